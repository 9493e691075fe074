// The serving API's web page: plain JavaScript, no build step. Every value from the server is
// put into the page with textContent, never as HTML.
'use strict';

(() => {
  const KEY_STORAGE = 'feature-store.api-key';
  const LATE_HEARTBEAT_MS = 3000;
  const BATCH_ROWS_SHOWN = 25;

  const $ = (id) => document.getElementById(id);
  const state = {
    registry: null,
    features: new Map(),          // name -> {name, type, source, description}
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

  // ------------------------------------------------------------------ values and TTLs

  function valueNode(name, value) {
    const def = state.features.get(name);
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

  function sourceNode(name) {
    const def = state.features.get(name);
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
    state.registry = result.body;
    state.features = new Map(result.body.features.map((f) => [f.name, f]));

    const select = clear($('service-select'));
    for (const [name, service] of Object.entries(result.body.services)) {
      select.append(el('option', { value: name, title: service.description }, name + ' (' + service.features.length + ')'));
    }
    for (const source of ['batch', 'stream']) {
      const box = clear($('picker-' + source));
      for (const f of result.body.features.filter((x) => x.source === source)) {
        const input = el('input', { type: 'checkbox', value: f.name });
        input.checked = true;
        box.append(el('label', { title: f.type + ' — ' + f.description }, input, f.name));
      }
    }
    $('batch-size').max = result.body.max_batch;
    $('registry-info').textContent = '· prefix ' + result.body.key_prefix + ' · ' + result.body.features.length
      + ' features · stream TTL ' + result.body.stream_ttl_seconds + ' s · batch TTL ' + duration(result.body.batch_ttl_seconds);
    return true;
  }

  function selection() {
    if ($('mode-service').checked) return { service: $('service-select').value };
    return { features: [...document.querySelectorAll('#feature-picker input:checked')].map((i) => i.value) };
  }

  function requestedNames(sel) {
    if (sel.service) return state.registry.services[sel.service].features;
    return sel.features;
  }

  function selectionQuery(sel) {
    return sel.service ? 'service=' + encodeURIComponent(sel.service)
      : 'features=' + sel.features.map(encodeURIComponent).join(',');
  }

  function syncMode() {
    const pick = $('mode-features').checked;
    $('feature-picker').hidden = !pick;
    $('service-field').hidden = pick;
  }

  // ------------------------------------------------------------------ read one user

  async function read() {
    if (!state.registry && !(await loadRegistry())) return;
    const id = $('entity-id').value.trim();
    const sel = selection();
    const result = await api('GET', '/v1/features/' + encodeURIComponent(id) + '?' + selectionQuery(sel) + '&freshness=true');
    const table = $('read-table');
    const body = clear(table.tBodies[0]);
    const keyNote = clear($('read-key-ttl'));
    if (!result.ok) {
      statusLine($('read-status'), result);
      table.hidden = true;
      return;
    }
    const data = result.body;
    statusLine($('read-status'), result, el('span', null, el('b', null, data.entity_id), ' · ',
      Object.keys(data.features).length + ' present, ' + data.missing.length + ' missing'));
    const ttls = data.ttl_seconds || {};
    for (const name of requestedNames(sel)) {
      const def = state.features.get(name);
      const present = Object.prototype.hasOwnProperty.call(data.features, name);
      let ttlCell;
      if (present && ttls[name] !== undefined) {
        ttlCell = ttlNode(ttls[name], state.registry.stream_ttl_seconds);
        ttlCell.dataset.field = 'true';
      } else if (present) {
        ttlCell = el('span', { class: 'ttl none' }, data.key_ttl_seconds !== undefined ? 'with the key' : 'none');
      } else {
        ttlCell = el('span', { class: 'ttl none' }, '—');
      }
      body.append(el('tr', { class: present ? '' : 'missing', dataset: { feature: name } },
        el('td', { class: 'name' }, name),
        el('td', { class: 'value' }, present ? valueNode(name, data.features[name]) : 'missing'),
        el('td', { class: 'muted' }, def ? def.type : ''),
        el('td', null, sourceNode(name)),
        el('td', { class: 'ttl-cell' }, ttlCell)));
    }
    table.hidden = false;
    if (data.key_ttl_seconds !== undefined) {
      keyNote.append('Key TTL ', ttlNode(data.key_ttl_seconds, 0),
        ' — the batch fields expire together with the key; streaming fields each carry their own TTL.');
    } else {
      keyNote.append('The key has no TTL of its own (no batch load covers it).');
    }
  }

  function setAutoRefresh(on) {
    if (state.autoTimer) clearInterval(state.autoTimer);
    state.autoTimer = on ? setInterval(read, 2000) : null;
  }

  // ------------------------------------------------------------------ batch

  async function readBatch() {
    if (!state.registry && !(await loadRegistry())) return;
    const n = parseInt($('batch-size').value, 10);
    const ids = Array.from({ length: Number.isFinite(n) && n > 0 ? n : 0 }, (_, i) => userId(i + 1));
    const sel = selection();
    const result = await api('POST', '/v1/features/batch', Object.assign({ entity_ids: ids }, sel));
    const table = $('batch-table');
    const note = clear($('batch-note'));
    if (!result.ok) {
      statusLine($('batch-status'), result);
      table.hidden = true;
      return;
    }
    const rows = result.body.results;
    const found = rows.filter((r) => r.found).length;
    statusLine($('batch-status'), result, el('span', null, el('b', null, rows.length), ' users · ' + found + ' found · '
      + (rows.length - found) + ' not found'));
    const names = requestedNames(sel);
    clear(table.tHead).append(el('tr', null, el('th', null, 'user'), el('th', null, 'found'),
      ...names.map((name) => el('th', null, name))));
    const body = clear(table.tBodies[0]);
    for (const row of rows.slice(0, BATCH_ROWS_SHOWN)) {
      body.append(el('tr', null,
        el('td', { class: 'name' }, row.entity_id),
        el('td', { class: row.found ? '' : 'no' }, row.found ? 'yes' : 'no'),
        ...names.map((name) => (Object.prototype.hasOwnProperty.call(row.features, name)
          ? el('td', { class: 'value' }, valueNode(name, row.features[name]))
          : el('td', { class: 'muted' }, '—')))));
    }
    table.hidden = false;
    if (rows.length > BATCH_ROWS_SHOWN) note.textContent = 'Showing ' + BATCH_ROWS_SHOWN + ' of ' + rows.length + ' users.';
  }

  // ------------------------------------------------------------------ inspect

  async function inspect() {
    if (!state.registry && !(await loadRegistry())) return;
    const id = $('inspect-id').value.trim();
    const result = await api('GET', '/v1/entities/' + encodeURIComponent(id));
    const table = $('inspect-table');
    const body = clear(table.tBodies[0]);
    const keyNote = clear($('inspect-key'));
    if (!result.ok) {
      statusLine($('inspect-status'), result);
      table.hidden = true;
      return;
    }
    const data = result.body;
    statusLine($('inspect-status'), result, el('span', null, el('b', null, Object.keys(data.features).length), ' fields'));
    const ttls = data.ttl_seconds || {};
    for (const [name, value] of Object.entries(data.features)) {
      const def = state.features.get(name);
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
        el('td', { class: 'value' }, valueNode(name, value)),
        el('td', { class: 'ttl-cell' }, ttlCell)));
    }
    table.hidden = false;
    keyNote.append(el('code', null, data.key), ' · key TTL ',
      data.key_ttl_seconds !== undefined ? ttlNode(data.key_ttl_seconds, 0) : 'none',
      ' · colours: ', el('span', { class: 'src src-batch' }, 'batch'), ' ', el('span', { class: 'src src-stream' }, 'stream'),
      data.missing.length ? ' · absent: ' + data.missing.join(', ') : '');
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
