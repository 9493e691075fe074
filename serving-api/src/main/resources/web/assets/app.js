// The serving API's web page: plain JavaScript, no build step. Every value from the server is
// put into the page with textContent, never as HTML.
'use strict';

(() => {
  const KEY_STORAGE = 'feature-store.api-key';
  const LATE_HEARTBEAT_MS = 3000;
  const BATCH_ROWS_SHOWN = 25;
  const ACROSS = '*';             // the entity choice "a service across entities"

  const $ = (id) => document.getElementById(id);
  const state = {
    registry: null,
    entities: [],                 // [{name, key_prefix, id_pattern, features, services}], the first is the default
    features: new Map(),          // 'entity.name' -> {name, entity, type, source, description}
    apiKey: localStorage.getItem(KEY_STORAGE) || '',
    processor: null,
    clockOffsetMs: 0,             // server clock - browser clock, from the last heartbeat poll
    autoTimer: null,
  };

  // ------------------------------------------------------------------ HTTP

  async function api(method, path, body) {
    const headers = { Accept: 'application/json' };
    if (state.apiKey) headers['X-API-Key'] = state.apiKey;
    if (body !== undefined) headers['Content-Type'] = 'application/json';
    const started = performance.now();
    let res;
    try {
      res = await fetch(path, {
        method, headers, cache: 'no-store',
        body: body === undefined ? undefined : JSON.stringify(body),
      });
    } catch (e) {
      return { status: 0, ok: false, body: { error: 'server unreachable (' + e.message + ')' },
        browserMs: performance.now() - started, serverMs: null };
    }
    let data;
    try {
      data = await res.json();
    } catch (e) {
      data = { error: 'HTTP ' + res.status + ' (not JSON)' };
    }
    const browserMs = performance.now() - started;
    if (res.status === 401) showKeyPanel(data.error);
    return { status: res.status, ok: res.ok, body: data, browserMs, serverMs: storeTiming(res.headers.get('Server-Timing')) };
  }

  function storeTiming(header) {
    const match = header ? /store;dur=([0-9.]+)/.exec(header) : null;
    return match ? parseFloat(match[1]) : null;
  }

  // ------------------------------------------------------------------ small DOM helpers

  function el(tag, attrs, ...children) {
    const node = document.createElement(tag);
    for (const [key, value] of Object.entries(attrs || {})) {
      if (value === undefined || value === null) continue;
      if (key === 'class') node.className = value;
      else if (key === 'dataset') Object.assign(node.dataset, value);
      else node.setAttribute(key, value);
    }
    for (const child of children) {
      if (child === null || child === undefined) continue;
      node.append(child instanceof Node ? child : String(child));
    }
    return node;
  }

  function clear(node) {
    while (node.firstChild) node.removeChild(node.firstChild);
    return node;
  }

  function ms(value) {
    if (value === null || value === undefined) return '—';
    return value < 10 ? value.toFixed(2) + ' ms' : value.toFixed(1) + ' ms';
  }

  function duration(seconds) {
    seconds = Math.max(0, Math.round(seconds));
    if (seconds < 120) return seconds + ' s';
    const h = Math.floor(seconds / 3600);
    const m = Math.floor((seconds % 3600) / 60);
    const s = seconds % 60;
    return (h ? h + ' h ' : '') + m + ' min ' + s + ' s';
  }

  function age(msAgo) {
    if (msAgo < 0) msAgo = 0;
    if (msAgo < 10000) return (msAgo / 1000).toFixed(1) + ' s';
    return duration(msAgo / 1000);
  }

  function timestamp(epochMs, millis = true) {
    const iso = new Date(epochMs).toISOString();
    return (millis ? iso.slice(0, 23) : iso.slice(0, 19)).replace('T', ' ') + ' UTC';
  }

  /** The time of day when it is today (UTC), else date and time. */
  function shortTimestamp(epochMs) {
    const full = timestamp(epochMs, false);
    return full.slice(0, 10) === timestamp(Date.now(), false).slice(0, 10) ? full.slice(11) : full;
  }

  function userId(n) {
    const digits = String(n);
    return digits.length >= 4 ? 'u' + digits : 'u' + '0000'.slice(digits.length) + digits;
  }

  /** The synthetic ids: users u0001 …, merchants m001 … (as the event simulator's). */
  function syntheticId(entity, n) {
    if (entity === 'user') return userId(n);
    const digits = String(n);
    return entity.charAt(0) + (digits.length >= 3 ? digits : '000'.slice(digits.length) + digits);
  }

  const has = (object, key) => Object.prototype.hasOwnProperty.call(object, key);
  const qualified = (entity, name) => entity + '.' + name;
  const capital = (text) => text.charAt(0).toUpperCase() + text.slice(1);
  const firstEntity = () => (state.entities.length ? state.entities[0].name : 'user');

  function statusLine(target, result, ...facts) {
    clear(target);
    const ok = result.ok;
    target.append(el('span', { class: 'badge ' + (ok ? 'ok' : 'bad') }, result.status ? 'HTTP ' + result.status : 'no answer'));
    if (!ok) target.append(el('span', { class: 'error' }, result.body && result.body.error ? result.body.error : 'request failed'));
    for (const fact of facts) target.append(fact);
    if (result.serverMs !== null) {
      target.append(el('span', { class: 'metric', title: 'Time spent in the Redis read on the server (Server-Timing header)' },
        'server ', el('b', null, ms(result.serverMs))));
    }
    target.append(el('span', { class: 'metric', title: 'fetch() to parsed JSON, measured in this browser' },
      'browser round trip ', el('b', null, ms(result.browserMs))));
    target.append(el('span', { class: 'muted small' }, new Date().toLocaleTimeString()));
  }

  /** True when the request failed: its error is then on the status line and its table hidden. */
  function failed(result, status, table) {
    if (result.ok) return false;
    statusLine($(status), result);
    table.hidden = true;
    return true;
  }

  // ------------------------------------------------------------------ values and TTLs

  function valueNode(key, value) {
    const def = state.features.get(key);
    const type = def ? def.type : typeof value;
    if (type === 'string') return el('span', { class: 't-string' }, value);
    if (type === 'bool' || typeof value === 'boolean') return el('span', { class: 't-bool' }, String(value));
    if (type === 'timestamp_ms' && typeof value === 'number') {
      return el('span', { title: timestamp(value) + ' · ' + value + ' (epoch ms)' },
        el('span', { class: 't-number' }, shortTimestamp(value)),
        el('span', { class: 'sub' }, el('span', { dataset: { since: value } }, age(Date.now() + state.clockOffsetMs - value)),
          ' ago'));
    }
    if (typeof value === 'number') return el('span', { class: 't-number' }, value);
    return el('span', null, String(value));
  }

  /** A TTL that counts down in the browser; re-synced whenever the server answers again. */
  function ttlNode(seconds, total) {
    const node = el('span', { class: 'ttl', dataset: { expires: Date.now() + seconds * 1000, total: total || 0 } },
      el('span', { class: 'bar' }, el('i')), el('span', { class: 'ttl-text' }));
    if (!total) node.querySelector('.bar').remove();
    renderTtl(node);
    return node;
  }

  function renderTtl(node) {
    const remaining = Math.max(0, Math.ceil((Number(node.dataset.expires) - Date.now()) / 1000));
    const total = Number(node.dataset.total);
    const text = node.querySelector('.ttl-text');
    text.textContent = remaining > 0 ? duration(remaining) : 'expired';
    node.classList.toggle('gone', remaining === 0);
    node.classList.toggle('low', total > 0 && remaining / total < 0.2);
    const bar = node.querySelector('.bar > i');
    if (bar) bar.style.width = (total > 0 ? Math.min(100, (100 * remaining) / total) : 0) + '%';
    const row = node.closest('tr');
    if (row && node.dataset.field === 'true') row.classList.toggle('expired', remaining === 0);
  }

  function tick() {
    document.querySelectorAll('.ttl[data-expires]').forEach(renderTtl);
    document.querySelectorAll('[data-since]').forEach((node) => {
      node.textContent = age(Date.now() + state.clockOffsetMs - Number(node.dataset.since));
    });
  }

  function sourceNode(key) {
    const def = state.features.get(key);
    if (!def) return el('span', { class: 'src src-unknown', title: 'not in the registry' }, 'unknown');
    return el('span', { class: 'src src-' + def.source }, def.source);
  }

  // ------------------------------------------------------------------ registry and feature choice

  async function loadRegistry() {
    const result = await api('GET', '/v1/registry');
    if (!result.ok) {
      statusLine($('read-status'), result);
      return false;
    }
    const reg = result.body;
    state.registry = reg;
    // A registry from an older server has no `entities`: its one entity is `entity`.
    state.entities = reg.entities || [{ name: reg.entity, key_prefix: reg.key_prefix, id_pattern: reg.id_pattern,
      features: reg.features, services: Object.keys(reg.services) }];
    state.allServices = reg.all_services || Object.fromEntries(Object.entries(reg.services).map(([name, s]) =>
      [name, { description: s.description, entities: [reg.entity], features: s.features.map((f) => qualified(reg.entity, f)) }]));
    state.features = new Map();
    for (const entity of state.entities) {
      for (const f of entity.features) state.features.set(qualified(entity.name, f.name), Object.assign({ entity: entity.name }, f));
    }

    const choices = state.entities.map((e) => e.name);
    const across = Object.values(state.allServices).some((s) => s.entities.length > 1);
    fillSelect($('read-entity'), [...choices.map((n) => [n, n]), ...(across ? [[ACROSS, 'across entities (a service of several)']] : [])]);
    fillSelect($('inspect-entity'), choices.map((n) => [n, n]));
    const ids = $('id-fields');
    for (const entity of state.entities) {
      if (!ids.querySelector('[data-entity="' + entity.name + '"]')) {
        ids.append(el('label', { class: 'field', dataset: { entity: entity.name } }, el('span', null, capital(entity.name) + ' id'),
          el('input', { id: idInput(entity.name), value: syntheticId(entity.name, 1), spellcheck: 'false', autocomplete: 'off',
            maxlength: '128' })));
      }
    }
    syncEntity();
    syncInspectEntity();
    $('batch-size').max = reg.max_batch;
    $('registry-info').textContent = '· ' + state.entities.map((e) => e.name + ' ' + e.key_prefix).join(', ') + ' · '
      + state.features.size + ' features · stream TTL ' + reg.stream_ttl_seconds + ' s · batch TTL ' + duration(reg.batch_ttl_seconds);
    return true;
  }

  function fillSelect(select, options) {
    const previous = select.value;
    clear(select);
    for (const [value, label] of options) select.append(el('option', { value }, label));
    if (options.some(([value]) => value === previous)) select.value = previous;
  }

  /** The id input of an entity: the first entity's is `entity-id`, the others' `entity-id-NAME`. */
  function idInput(entity) {
    return entity === firstEntity() ? 'entity-id' : 'entity-id-' + entity;
  }

  /** The read card's entity choice: one entity's name, or ACROSS. */
  function scope() {
    return $('read-entity').value || firstEntity();
  }

  /** The services on offer: an entity's own, or (across) those reading several entities. */
  function servicesInScope() {
    const chosen = scope();
    return Object.entries(state.allServices).filter(([, s]) => (chosen === ACROSS
      ? s.entities.length > 1 : s.entities.length === 1 && s.entities[0] === chosen));
  }

  /** Rebuilds the service list and the feature picker for the entity choice. */
  function syncEntity() {
    const chosen = scope();
    const select = $('service-select');
    const previous = select.value;
    clear(select);
    const services = servicesInScope();
    for (const [name, service] of services) {
      select.append(el('option', { value: name, title: service.description }, name + ' (' + service.features.length + ')'));
    }
    if (services.some(([name]) => name === previous)) select.value = previous;
    $('mode-service').disabled = services.length === 0;
    if (services.length === 0) $('mode-features').checked = true;
    else if (chosen === ACROSS) $('mode-service').checked = true;

    const picker = clear($('feature-picker'));
    const entities = chosen === ACROSS ? state.entities : state.entities.filter((e) => e.name === chosen);
    for (const entity of entities) {
      for (const [source, label] of [['batch', 'Batch <daily, key TTL>'], ['stream', 'Streaming <real time, per-field TTL>']]) {
        const features = entity.features.filter((x) => x.source === source);
        if (features.length === 0) continue;
        const box = el('div', { class: 'checks' });
        for (const f of features) {
          const input = el('input', { type: 'checkbox', value: qualified(entity.name, f.name) });
          input.checked = true;
          input.addEventListener('change', syncIds);
          box.append(el('label', { title: f.type + ' — ' + f.description }, input, f.name));
        }
        const [title, note] = label.split(' <');
        picker.append(el('div', { class: 'picker-group', dataset: { entity: entity.name, source } },
          el('h3', null, (entities.length > 1 ? capital(entity.name) + ' · ' : '') + title + ' ',
            el('span', { class: 'muted' }, '(' + note.slice(0, -1) + ')')), box));
      }
    }
    $('read-route').textContent = chosen === firstEntity()
      ? 'one HMGET · GET /v1/features/{id}?…&freshness=true'
      : 'one HMGET per entity, one round trip · GET /v1/features?' + (chosen === ACROSS ? 'user=…&merchant=…' : chosen + '=…')
        + '&…&freshness=true';
    syncMode();
  }

  function syncInspectEntity() {
    const entity = $('inspect-entity').value || firstEntity();
    $('inspect-label').textContent = capital(entity) + ' id';
    const input = $('inspect-id');
    // Swap a default id for the new entity's default; keep one the user typed.
    if (state.entities.some((e) => syntheticId(e.name, 1) === input.value.trim())) input.value = syntheticId(entity, 1);
  }

  /** The chosen features: {service} or {features: ['entity.name', …]}, and the entities they read. */
  function selection() {
    if ($('mode-service').checked && $('service-select').value) {
      const service = $('service-select').value;
      return { service, entities: state.allServices[service].entities, names: state.allServices[service].features };
    }
    const names = [...document.querySelectorAll('#feature-picker input:checked')].map((i) => i.value);
    const entities = state.entities.map((e) => e.name).filter((e) => names.some((n) => n.startsWith(e + '.')));
    return { features: names, entities, names };
  }

  /** Shows the id inputs of the entities the selection reads. */
  function syncIds() {
    const needed = state.registry ? selection().entities : [firstEntity()];
    const chosen = scope();
    for (const label of $('id-fields').querySelectorAll('[data-entity]')) {
      const entity = label.dataset.entity;
      label.hidden = chosen === ACROSS ? !needed.includes(entity) : entity !== chosen;
    }
  }

  /** The query part naming the features: a service, or features (bare names on the first entity's own route). */
  function selectionQuery(sel, bare) {
    return sel.service ? 'service=' + encodeURIComponent(sel.service)
      : 'features=' + sel.features.map((n) => encodeURIComponent(bare ? n.slice(n.indexOf('.') + 1) : n)).join(',');
  }

  /** The body part naming the features. */
  function selectionBody(sel, bare) {
    return sel.service ? { service: sel.service } : { features: sel.features.map((n) => (bare ? n.slice(n.indexOf('.') + 1) : n)) };
  }

  function syncMode() {
    const pick = $('mode-features').checked;
    $('feature-picker').hidden = !pick;
    $('service-field').hidden = pick;
    syncIds();
    syncBatchLabel();
  }

  // ------------------------------------------------------------------ read one user

  async function read() {
    if (!state.registry && !(await loadRegistry())) return;
    const sel = selection();
    const single = scope() === firstEntity();
    let result;
    if (single) {
      // The first entity's own route, as clients of one entity call it; its answer seen as one entity of a row.
      const id = $(idInput(firstEntity())).value.trim();
      result = await api('GET', '/v1/features/' + encodeURIComponent(id) + '?' + selectionQuery(sel, true) + '&freshness=true');
      if (result.ok) result.body = { entities: { [firstEntity()]: result.body } };
    } else {
      const ids = sel.entities.map((e) => encodeURIComponent(e) + '=' + encodeURIComponent($(idInput(e)).value.trim()));
      result = await api('GET', '/v1/features?' + ids.join('&') + '&' + selectionQuery(sel, false) + '&freshness=true');
    }
    const table = $('read-table');
    const body = clear(table.tBodies[0]);
    const keyNote = clear($('read-key-ttl'));
    if (failed(result, 'read-status', table)) return;
    const entities = Object.entries(result.body.entities);
    const grouped = scope() === ACROSS;
    statusLine($('read-status'), result, ...entities.map(([entity, data]) => el('span', null,
      grouped ? entity + ' ' : '', el('b', null, data.entity_id), ' · ', data.error && !data.found ? 'cannot be read: ' + data.error
        : data.found ? Object.keys(data.features).length + ' present, ' + data.missing.length + ' missing'
          + (data.error ? ' · ' + data.error : '') : 'not found (expired or never loaded)')));
    for (const [entity, data] of entities) {
      if (grouped) {
        body.append(el('tr', { class: 'group', dataset: { entity } }, el('td', { colspan: 5 },
          el('b', null, entity), ' ', el('span', { class: 'mono' }, data.entity_id), data.found ? '' : ' · not found')));
      }
      const ttls = data.ttl_seconds || {};
      for (const name of sel.names.filter((n) => n.startsWith(entity + '.')).map((n) => n.slice(entity.length + 1))) {
        const key = qualified(entity, name);
        const def = state.features.get(key);
        const present = has(data.features, name);
        let ttlCell;
        if (present && ttls[name] !== undefined) {
          ttlCell = ttlNode(ttls[name], state.registry.stream_ttl_seconds);
          ttlCell.dataset.field = 'true';
        } else if (present) {
          ttlCell = el('span', { class: 'ttl none' }, data.key_ttl_seconds !== undefined ? 'with the key' : 'none');
        } else {
          ttlCell = el('span', { class: 'ttl none' }, '—');
        }
        body.append(el('tr', { class: present ? '' : 'missing', dataset: { feature: grouped ? key : name } },
          el('td', { class: 'name' }, name),
          el('td', { class: 'value' }, present ? valueNode(key, data.features[name]) : 'missing'),
          el('td', { class: 'muted' }, def ? def.type : ''),
          el('td', null, sourceNode(key)),
          el('td', { class: 'ttl-cell' }, ttlCell)));
      }
      const who = grouped ? capital(entity) + ' key' : 'Key';
      const line = el('div', { dataset: { keyOf: entity } });
      if (!data.found) {
        line.append(capital(entity) + ' ' + data.entity_id + ' is not in Redis: expired or never loaded.');
      } else if (data.key_ttl_seconds !== undefined) {
        line.append(who + ' TTL ', ttlNode(data.key_ttl_seconds, 0),
          ' — the batch fields expire together with the key; streaming fields each carry their own TTL.');
      } else {
        line.append((grouped ? capital(entity) + ': the' : 'The') + ' key has no TTL of its own (no batch load covers it).');
      }
      keyNote.append(line);
    }
    table.hidden = false;
  }

  function setAutoRefresh(on) {
    if (state.autoTimer) clearInterval(state.autoTimer);
    state.autoTimer = on ? setInterval(read, 2000) : null;
  }

  // ------------------------------------------------------------------ batch

  async function readBatch() {
    if (!state.registry && !(await loadRegistry())) return;
    const n = parseInt($('batch-size').value, 10);
    const count = Number.isFinite(n) && n > 0 ? n : 0;
    const sel = selection();
    const single = scope() === firstEntity();
    const entities = single ? [firstEntity()] : sel.entities;
    let result;
    if (single) {
      const ids = Array.from({ length: count }, (_, i) => syntheticId(firstEntity(), i + 1));
      result = await api('POST', '/v1/features/batch', Object.assign({ entity_ids: ids }, selectionBody(sel, true)));
      if (result.ok) result.body.results = result.body.results.map((r) => ({ entities: { [firstEntity()]: r } }));
    } else {
      const rows = Array.from({ length: count }, (_, i) => Object.fromEntries(entities.map((e) => [e, syntheticId(e, i + 1)])));
      result = await api('POST', '/v1/features/batch', Object.assign({ rows }, selectionBody(sel, false)));
    }
    const table = $('batch-table');
    const note = clear($('batch-note'));
    if (failed(result, 'batch-status', table)) return;
    const rows = result.body.results;
    const counts = entities.map((e) => {
      const found = rows.filter((r) => r.entities[e] && r.entities[e].found).length;
      return (entities.length > 1 ? e + ' ' : '') + found + ' found · ' + (rows.length - found) + ' not found';
    });
    const noun = entities.length > 1 ? 'rows' : entities[0] + 's';
    statusLine($('batch-status'), result, el('span', null, el('b', null, rows.length), ' ' + noun + ' · ' + counts.join(' · ')));
    const columns = sel.names.map((key) => [key.slice(0, key.indexOf('.')), key.slice(key.indexOf('.') + 1), key]);
    clear(table.tHead).append(el('tr', null, ...entities.map((e) => el('th', null, e)), el('th', null, 'found'),
      ...columns.map(([, name, key]) => el('th', null, entities.length > 1 ? key : name))));
    const body = clear(table.tBodies[0]);
    for (const row of rows.slice(0, BATCH_ROWS_SHOWN)) {
      const found = entities.map((e) => row.entities[e].found);
      // An entity whose key cannot be read (not a hash), or with a value not of its type, says so; its error is the cell's tooltip.
      const state = entities.map((e) => (row.entities[e].error ? 'error' : row.entities[e].found ? 'yes' : 'no'));
      const errors = entities.map((e) => row.entities[e].error).filter(Boolean);
      body.append(el('tr', null,
        ...entities.map((e) => el('td', { class: 'name' }, row.entities[e].entity_id)),
        el('td', { class: found.every(Boolean) ? '' : 'no', title: errors.join('\n') }, entities.length > 1
          ? entities.map((e, i) => e + ' ' + state[i]).join(' · ') : state[0]),
        ...columns.map(([entity, name, key]) => (has(row.entities[entity].features, name)
          ? el('td', { class: 'value' }, valueNode(key, row.entities[entity].features[name]))
          : el('td', { class: 'muted' }, '—')))));
    }
    table.hidden = false;
    if (rows.length > BATCH_ROWS_SHOWN) note.textContent = 'Showing ' + BATCH_ROWS_SHOWN + ' of ' + rows.length + ' ' + noun + '.';
  }

  function syncBatchLabel() {
    const entities = scope() === firstEntity() ? [firstEntity()] : (state.registry ? selection().entities : []);
    $('batch-label').textContent = entities.length > 1
      ? 'Rows of ' + entities.map((e) => e + ' ' + syntheticId(e, 1) + ' … ').join(', ') + ', N ='
      : capital(entities[0] || firstEntity()) + 's ' + syntheticId(entities[0] || firstEntity(), 1) + ' … N, N =';
  }

  // ------------------------------------------------------------------ inspect

  async function inspect() {
    if (!state.registry && !(await loadRegistry())) return;
    const id = $('inspect-id').value.trim();
    const entity = $('inspect-entity').value || firstEntity();
    const result = await api('GET', '/v1/entities/' + encodeURIComponent(id)
      + (entity === firstEntity() ? '' : '?entity=' + encodeURIComponent(entity)));
    const table = $('inspect-table');
    const body = clear(table.tBodies[0]);
    const keyNote = clear($('inspect-key'));
    if (failed(result, 'inspect-status', table)) return;
    const data = result.body;
    statusLine($('inspect-status'), result, el('span', null, el('b', null, Object.keys(data.features).length), ' fields'));
    const ttls = data.ttl_seconds || {};
    for (const [name, value] of Object.entries(data.features)) {
      const key = qualified(entity, name);
      const def = state.features.get(key);
      let ttlCell;
      if (ttls[name] !== undefined) {
        ttlCell = ttlNode(ttls[name], def && def.source === 'stream' ? state.registry.stream_ttl_seconds : 0);
        ttlCell.dataset.field = 'true';
      } else if (def && def.source === 'stream') {
        ttlCell = el('span', { class: 'ttl gone', title: 'a streaming field must always carry a TTL' }, 'no TTL!');
      } else {
        ttlCell = el('span', { class: 'ttl none' }, data.key_ttl_seconds !== undefined ? 'with the key' : 'none');
      }
      const source = def ? def.source : 'unknown';
      body.append(el('tr', { dataset: { feature: name } },
        el('td', { class: 'name src-' + source, title: def ? def.source + ' · ' + def.type : 'not in the registry' }, name),
        el('td', { class: 'value' }, valueNode(key, value)),
        el('td', { class: 'ttl-cell' }, ttlCell)));
    }
    table.hidden = false;
    keyNote.append(el('code', null, data.key), ' · key TTL ',
      data.key_ttl_seconds !== undefined ? ttlNode(data.key_ttl_seconds, 0) : 'none',
      ' · colours: ', el('span', { class: 'src src-batch' }, 'batch'), ' ', el('span', { class: 'src src-stream' }, 'stream'),
      data.missing.length ? ' · absent: ' + data.missing.join(', ') : '',
      data.fields_not_shown ? ' · ' + data.fields_not_shown + ' more fields not shown (too many: only the registry\'s)' : '');
  }

  // ------------------------------------------------------------------ stream processor

  async function pollProcessor() {
    const result = await api('GET', '/v1/stream-processor');
    if (result.ok) {
      state.processor = result.body;
      state.clockOffsetMs = result.body.now_ms - Date.now();
      state.processorError = null;
    } else {
      state.processor = null;
      state.processorError = result.status === 503 ? 'Redis unavailable'
        : result.status === 401 ? 'API key needed' : (result.body.error || 'no answer');
    }
    renderProcessor();
    setTimeout(pollProcessor, 1000);
  }

  function renderProcessor() {
    const pill = $('processor-pill');
    const big = $('processor-state');
    const p = state.processor;
    // Instances with a current heartbeat whose own verdict is not OK (older processors send no status).
    const unwell = p ? p.instances.filter((i) => i.heartbeat_age_ms <= LATE_HEARTBEAT_MS && i.status && i.status !== 'OK') : [];
    let kind;
    let label;
    let reason = '';
    if (!p) {
      kind = 'unknown';
      label = state.processorError || '…';
    } else if (!p.live) {
      kind = 'down';
      label = 'DOWN — no heartbeat';
    } else if (p.instances.every((i) => i.heartbeat_age_ms > LATE_HEARTBEAT_MS)) {
      kind = 'late';
      label = 'LATE — heartbeat ' + age(Math.min(...p.instances.map((i) => i.heartbeat_age_ms))) + ' old';
    } else if (unwell.length > 0) {
      // An instance that says it is FAILING (a task keeps failing) or STALLED (records wait, none consumed).
      const worst = unwell.find((i) => i.status === 'FAILING' || i.status === 'DOWN') || unwell[0];
      kind = worst.status === 'FAILING' || worst.status === 'DOWN' ? 'failing' : 'stalled';
      label = worst.status + ' — ' + (p.instances.length === 1
        ? (worst.status_since_ms ? 'since ' + shortTimestamp(worst.status_since_ms) : 'no time given')
        : unwell.length + ' of ' + p.instances.length + ' instances');
      reason = worst.reason ? worst.instance_id + ': ' + worst.reason : '';
    } else {
      kind = 'live';
      label = 'LIVE — ' + p.instances.length + (p.instances.length === 1 ? ' instance' : ' instances');
    }
    big.className = 'big-state state-' + kind;
    big.textContent = label;
    pill.className = 'pill pill-' + kind;
    pill.textContent = 'stream processor ' + (kind === 'unknown' ? label : kind);
    const reasonNode = $('processor-reason');
    reasonNode.textContent = reason;
    reasonNode.hidden = !reason;

    const newest = $('newest-event');
    const newestAge = $('newest-event-age');
    if (p && p.newest_event_ts_ms) {
      newest.textContent = timestamp(p.newest_event_ts_ms);
      newestAge.dataset.since = p.newest_event_ts_ms;
    } else {
      newest.textContent = p ? 'none applied yet' : '—';
      delete newestAge.dataset.since;
      newestAge.textContent = '—';
    }
    renderEventAge();

    const table = $('instances-table');
    const body = clear(table.tBodies[0]);
    for (const i of p ? p.instances : []) {
      const status = i.status || 'OK';
      body.append(el('tr', { dataset: { instance: i.instance_id } },
        el('td', { class: 'name', title: i.instance_id }, i.instance_id),
        el('td', { class: 'status status-' + status.toLowerCase(), title: 'Kafka Streams ' + i.state },
          status, el('span', { class: 'streams-state' }, i.state)),
        el('td', { class: 'partitions mono', title: (i.partitions || []).join(', ') }, partitionsText(i.partitions)),
        el('td', { class: i.heartbeat_age_ms > LATE_HEARTBEAT_MS ? 'age-late' : '' }, age(i.heartbeat_age_ms) + ' ago'),
        el('td', { class: 'mono' }, i.events_total.toLocaleString())));
      if (status !== 'OK') {
        // Not OK: since when (and how long ago) and why, on a row of its own under the instance.
        const since = i.status_since_ms
          ? status + ' since ' + shortTimestamp(i.status_since_ms) + ' (' + age(p.now_ms - i.status_since_ms) + ' ago)'
          : status;
        body.append(el('tr', { class: 'reason-row', dataset: { reasonOf: i.instance_id } },
          el('td', { colspan: 5 }, el('span', { class: 'since' }, since),
            i.reason ? el('span', { class: 'reason' }, ': ' + i.reason) : null)));
      }
    }
    table.hidden = !p || p.instances.length === 0;
  }

  // The input topics are co-partitioned, so an instance's tasks own the same numbers of each:
  // ['events.login-0', 'events.transaction-0', 'events.login-3', …] reads as "0, 3"; topics
  // that differ are named ("events.login 0 · events.dlq 1"). None (rebalancing, idle, an older
  // processor that does not say) is a dash.
  function partitionsText(partitions) {
    if (!partitions || partitions.length === 0) {
      return '—';
    }
    const byTopic = new Map();
    for (const tp of partitions) {
      const dash = tp.lastIndexOf('-');
      const topic = tp.slice(0, dash);
      if (!byTopic.has(topic)) {
        byTopic.set(topic, []);
      }
      byTopic.get(topic).push(Number(tp.slice(dash + 1)));
    }
    const lists = [...byTopic.entries()].map(([topic, numbers]) => [topic, numbers.sort((a, b) => a - b).join(', ')]);
    return lists.every(([, numbers]) => numbers === lists[0][1])
      ? lists[0][1]
      : lists.map(([topic, numbers]) => topic + ' ' + numbers).join(' · ');
  }

  function renderEventAge() {
    const node = $('newest-event-age');
    if (!node.dataset.since) {
      node.className = 'mono';
      return;
    }
    const ageMs = Date.now() + state.clockOffsetMs - Number(node.dataset.since);
    node.textContent = age(ageMs);
    node.className = 'mono ' + (ageMs < 5000 ? 'age-ok' : ageMs < 60000 ? 'age-late' : 'age-old');
  }

  // ------------------------------------------------------------------ API key

  function showKeyPanel(message) {
    const panel = $('key-panel');
    const wasHidden = panel.hidden;
    panel.hidden = false;
    $('key-message').textContent = message || '';
    if (wasHidden) $('api-key').focus();
  }

  async function useKey(key) {
    state.apiKey = key;
    if (key) localStorage.setItem(KEY_STORAGE, key);
    else localStorage.removeItem(KEY_STORAGE);
    $('key-message').textContent = key ? 'checking…' : 'key forgotten';
    if (key && (await loadRegistry())) {
      $('key-message').textContent = 'key accepted';
      setTimeout(() => { $('key-panel').hidden = true; }, 800);
      read();
    }
  }

  // ------------------------------------------------------------------ wiring

  document.addEventListener('DOMContentLoaded', async () => {
    $('read-form').addEventListener('submit', (e) => { e.preventDefault(); read(); });
    $('batch-form').addEventListener('submit', (e) => { e.preventDefault(); readBatch(); });
    $('inspect-form').addEventListener('submit', (e) => { e.preventDefault(); inspect(); });
    $('mode-service').addEventListener('change', syncMode);
    $('mode-features').addEventListener('change', syncMode);
    $('read-entity').addEventListener('change', syncEntity);
    $('service-select').addEventListener('change', syncIds);
    $('inspect-entity').addEventListener('change', syncInspectEntity);
    $('read-form').addEventListener('change', syncBatchLabel);
    $('auto-refresh').addEventListener('change', (e) => setAutoRefresh(e.target.checked));
    $('key-button').addEventListener('click', () => showKeyPanel(''));
    $('key-form').addEventListener('submit', (e) => { e.preventDefault(); useKey($('api-key').value.trim()); });
    $('key-clear').addEventListener('click', () => { $('api-key').value = ''; useKey(''); });
    syncMode();
    setInterval(tick, 1000);
    setInterval(renderEventAge, 250);
    pollProcessor();
    if (await loadRegistry()) read();
  });
})();
