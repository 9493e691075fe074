package io.featurestore.core;

import java.io.Reader;
import java.math.BigDecimal;
import java.time.Duration;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;
import org.yaml.snakeyaml.error.MarkedYAMLException;
import org.yaml.snakeyaml.error.YAMLException;
import org.yaml.snakeyaml.nodes.MappingNode;
import org.yaml.snakeyaml.nodes.Node;
import org.yaml.snakeyaml.nodes.NodeTuple;
import org.yaml.snakeyaml.nodes.ScalarNode;
import org.yaml.snakeyaml.nodes.SequenceNode;

/**
 * Reads the registry YAML through SnakeYAML's node tree, which keeps the line of every
 * node, so each validation error names the line it is about.
 *
 * <p>Two shapes: {@code entities:} (a list, the current one) and the older single
 * {@code entity:} block, which stays accepted as one entity. In the older shape a stream
 * feature may come without a declaration: one of the five the processor computes in code
 * gets their declaration ({@link BuiltInStreamFeatures}), any other has none. In the
 * {@code entities:} shape every stream feature declares what it computes.
 */
final class RegistryParser {
  private static final Pattern NAME = Pattern.compile("[a-z][a-z0-9_]{0,63}");
  /** One hash holds an entity's features: a streaming write and an inspection handle them in one script. */
  static final int MAX_FEATURES_PER_ENTITY = 1000;
  /** The longest window: a rebuild rereads that much of the input, and milliseconds of it must fit a long. */
  static final Duration MAX_WINDOW = Duration.ofDays(3650);
  private static final Pattern WINDOW = Pattern.compile("(-?[0-9]{1,12})([smhd])");
  private static final Set<String> TOP_KEYS = Set.of("entity", "entities", "batch_ttl_seconds", "stream_ttl_seconds",
      "features", "services");
  private static final Set<String> ENTITY_KEYS = Set.of("name", "key_prefix", "id_pattern");
  private static final List<String> DECLARATION_KEYS = List.of("from", "key", "where", "aggregate", "field", "window");
  private static final Set<String> FEATURE_KEYS = Set.of("name", "entity", "type", "source", "description",
      "from", "key", "where", "aggregate", "field", "window");
  private static final Set<String> SERVICE_KEYS = Set.of("description", "features");

  private final String source;

  RegistryParser(String source) {
    this.source = source;
  }

  FeatureRegistry parse(Reader reader) {
    Node root;
    try {
      root = new Yaml(new SafeConstructor(new LoaderOptions())).compose(reader);
    } catch (MarkedYAMLException e) {
      int line = e.getProblemMark() == null ? 0 : e.getProblemMark().getLine() + 1;
      throw new RegistryException(source, line, "not valid YAML: " + e.getProblem());
    } catch (YAMLException e) {
      throw new RegistryException(source, 0, "not valid YAML: " + e.getMessage());
    }
    if (root == null) {
      throw new RegistryException(source, 0, "the registry is empty");
    }
    Map<String, Node> top = mapping(root, "the registry", TOP_KEYS);

    boolean legacy = top.containsKey("entity");
    List<EntityDefinition> entities = new ArrayList<>();
    if (legacy && top.containsKey("entities")) {
      throw error(top.get("entities"), "give either 'entity' (one entity) or 'entities' (a list), not both");
    } else if (legacy) {
      entities.add(entity(top.get("entity"), "entity", List.of()));
    } else {
      Node list = required(top, "entities", root);
      for (Node item : sequence(list, "entities")) {
        entities.add(entity(item, "an entity", entities));
      }
      if (entities.isEmpty()) {
        throw error(list, "entities must list at least one entity");
      }
    }
    Map<String, EntityDefinition> entitiesByName = new LinkedHashMap<>();
    entities.forEach(e -> entitiesByName.put(e.name(), e));

    long batchTtl = positiveLong(required(top, "batch_ttl_seconds", root), "batch_ttl_seconds");
    long streamTtl = positiveLong(required(top, "stream_ttl_seconds", root), "stream_ttl_seconds");

    Node featuresNode = required(top, "features", root);
    List<FeatureDefinition> features = new ArrayList<>();
    Set<FeatureRef> refs = new HashSet<>();
    Map<String, FeatureDefinition> firstKeyed = new HashMap<>();
    Map<String, Integer> perEntity = new HashMap<>();
    for (Node item : sequence(featuresNode, "features")) {
      FeatureDefinition f = feature(item, entitiesByName, entities.get(0), legacy);
      if (!refs.add(f.ref())) {
        throw error(item, "feature '" + f.name() + "' is defined twice in entity '" + f.entity() + "'");
      }
      if (perEntity.merge(f.entity(), 1, Integer::sum) > MAX_FEATURES_PER_ENTITY) {
        throw error(item, "entity '" + f.entity() + "' declares more than " + MAX_FEATURES_PER_ENTITY
            + " features (the limit keeps every write and inspection of its hash bounded)");
      }
      requireOneKeyField(item, f, firstKeyed);
      features.add(f);
    }
    if (features.isEmpty()) {
      throw error(featuresNode, "features must list at least one feature");
    }

    List<FeatureService> services = new ArrayList<>();
    Node servicesNode = top.get("services");
    if (servicesNode != null) {
      for (NodeTuple tuple : mappingNode(servicesNode, "services").getValue()) {
        String name = scalar(tuple.getKeyNode(), "service name");
        Map<String, Node> body = mapping(tuple.getValueNode(), "service '" + name + "'", SERVICE_KEYS);
        Node list = required(body, "features", tuple.getValueNode());
        List<FeatureRef> members = new ArrayList<>();
        for (Node member : sequence(list, "services." + name + ".features")) {
          FeatureRef ref = member(member, name, entitiesByName, entities.get(0), refs);
          if (members.contains(ref)) {
            throw error(member, "service '" + name + "' lists '" + ref + "' twice");
          }
          members.add(ref);
        }
        if (members.isEmpty()) {
          throw error(list, "service '" + name + "' must list at least one feature");
        }
        Node description = body.get("description");
        services.add(new FeatureService(name, description == null ? "" : scalar(description, "description"), members));
      }
    }
    try {
      return new FeatureRegistry(source, entities, batchTtl, streamTtl, features, services);
    } catch (IllegalArgumentException e) {
      throw new RegistryException(source, 0, e.getMessage());
    }
  }

  /**
   * Every stream feature of one entity reads the entity's id from the same event field: the
   * stream processor keeps each entity's state in the task of that id, one repartition per entity.
   */
  private void requireOneKeyField(Node item, FeatureDefinition f, Map<String, FeatureDefinition> firstKeyed) {
    if (f.aggregation().isEmpty()) {
      return;
    }
    FeatureDefinition first = firstKeyed.putIfAbsent(f.entity(), f);
    if (first != null && !first.aggregation().orElseThrow().key().equals(f.aggregation().orElseThrow().key())) {
      throw error(item, "feature '" + f.name() + "' reads the " + f.entity() + " id from '"
          + f.aggregation().orElseThrow().key() + "', but '" + first.name() + "' from '"
          + first.aggregation().orElseThrow().key() + "': every stream feature of one entity reads its id from one"
          + " event field");
    }
  }

  private EntityDefinition entity(Node item, String what, List<EntityDefinition> earlier) {
    Map<String, Node> body = mapping(item, what, ENTITY_KEYS);
    Node nameNode = required(body, "name", item);
    String name = scalar(nameNode, "entity name");
    if (!NAME.matcher(name).matches()) {
      throw error(nameNode, "entity name '" + name + "' must match " + NAME.pattern());
    }
    for (EntityDefinition e : earlier) {
      if (e.name().equals(name)) {
        throw error(nameNode, "entity '" + name + "' is declared twice");
      }
    }
    Node prefixNode = required(body, "key_prefix", item);
    String keyPrefix = scalar(prefixNode, "key_prefix");
    if (keyPrefix.isEmpty()) {
      throw error(prefixNode, "entity '" + name + "': key_prefix must not be empty");
    }
    Node patternNode = required(body, "id_pattern", item);
    Pattern idPattern;
    try {
      idPattern = Pattern.compile(scalar(patternNode, "id_pattern"));
    } catch (PatternSyntaxException e) {
      throw error(patternNode, "entity '" + name + "': id_pattern is not a valid regular expression: " + e.getDescription());
    }
    EntityDefinition entity = new EntityDefinition(name, keyPrefix, idPattern);
    for (EntityDefinition e : earlier) {
      if (entity.overlaps(e)) {
        throw error(prefixNode, FeatureRegistry.overlapMessage(entity, e));
      }
    }
    return entity;
  }

  private FeatureDefinition feature(Node item, Map<String, EntityDefinition> entities, EntityDefinition first,
      boolean legacy) {
    Map<String, Node> body = mapping(item, "a feature", FEATURE_KEYS);
    Node nameNode = required(body, "name", item);
    String name = scalar(nameNode, "feature name");
    if (!NAME.matcher(name).matches()) {
      throw error(nameNode, "feature name '" + name + "' must match " + NAME.pattern());
    }
    EntityDefinition entity = first;
    Node entityNode = body.get("entity");
    if (entityNode != null) {
      String entityName = scalar(entityNode, "entity");
      entity = entities.get(entityName);
      if (entity == null) {
        throw error(entityNode, "feature '" + name + "' names unknown entity '" + entityName + "'; declared: "
            + String.join(", ", entities.keySet()));
      }
    }
    Node typeNode = required(body, "type", item);
    FeatureType type;
    try {
      type = FeatureType.fromRegistryName(scalar(typeNode, "type"));
    } catch (IllegalArgumentException e) {
      throw error(typeNode, "feature '" + name + "': " + e.getMessage());
    }
    Node sourceNode = required(body, "source", item);
    String sourceText = scalar(sourceNode, "source");
    FeatureSource featureSource;
    switch (sourceText.toLowerCase(Locale.ROOT)) {
      case "batch":
        featureSource = FeatureSource.BATCH;
        break;
      case "stream":
        featureSource = FeatureSource.STREAM;
        break;
      default:
        throw error(sourceNode, "feature '" + name + "': unknown source '" + sourceText + "'; allowed: batch, stream");
    }
    Optional<StreamAggregation> aggregation = Optional.empty();
    boolean declares = DECLARATION_KEYS.stream().anyMatch(body::containsKey);
    if (featureSource == FeatureSource.BATCH) {
      for (String key : DECLARATION_KEYS) {
        if (body.containsKey(key)) {
          throw error(body.get(key), "batch feature '" + name + "' cannot take '" + key
              + "': only stream features are computed from events");
        }
      }
    } else if (declares) {
      aggregation = Optional.of(declaration(name, item, body, entity, type, typeNode));
    } else if (legacy) {
      // Registries written before declarations: today's five get what the processor computes for them.
      aggregation = BuiltInStreamFeatures.declaration(name).filter(d -> resultType(d).equals(Optional.of(type)));
    } else {
      throw error(item, "stream feature '" + name + "' must declare what it computes: 'from' (event type: "
          + eventTypes() + ") and 'aggregate' (" + StreamAggregation.Aggregate.allowedNames() + ")");
    }
    Node description = body.get("description");
    return new FeatureDefinition(entity.name(), name, type, featureSource,
        description == null ? "" : scalar(description, "description"), aggregation);
  }

  private StreamAggregation declaration(String name, Node item, Map<String, Node> body, EntityDefinition entity,
      FeatureType type, Node typeNode) {
    String what = "feature '" + name + "'";
    Node fromNode = body.get("from");
    if (fromNode == null) {
      throw error(item, what + " needs 'from': the event type it reads (" + eventTypes() + ")");
    }
    String from = scalar(fromNode, "from");
    EventSchema schema = EventSchema.of(from).orElseThrow(() -> error(fromNode,
        what + ": unknown event type '" + from + "'; allowed: " + eventTypes()));

    Node keyNode = body.get("key");
    String key = keyNode == null ? entity.defaultKeyField() : scalar(keyNode, "key");
    EventSchema.Kind keyKind = schema.kind(key).orElseThrow(() -> keyNode == null
        ? error(item, what + ": event type '" + from + "' has no field '" + key + "' (the default key of entity '"
            + entity.name() + "'); name the field that holds the " + entity.name() + " id with 'key'")
        : unknownField(keyNode, what, schema, key));
    if (keyKind != EventSchema.Kind.STRING) {
      throw error(keyNode, what + ": key '" + key + "' must be a string field holding the entity id, not "
          + keyKind.registryName());
    }

    Map<String, String> where = new LinkedHashMap<>();
    Node whereNode = body.get("where");
    if (whereNode != null) {
      for (NodeTuple tuple : mappingNode(whereNode, what + ": where").getValue()) {
        String field = scalar(tuple.getKeyNode(), "where field");
        EventSchema.Kind kind = schema.kind(field).orElseThrow(() -> unknownField(tuple.getKeyNode(), what, schema, field));
        if (where.put(field, filterValue(tuple.getValueNode(), what, field, kind)) != null) {
          throw error(tuple.getKeyNode(), what + ": where names '" + field + "' twice");
        }
      }
    }

    Node aggregateNode = body.get("aggregate");
    if (aggregateNode == null) {
      throw error(item, what + " needs 'aggregate': " + StreamAggregation.Aggregate.allowedNames());
    }
    String aggregateText = scalar(aggregateNode, "aggregate");
    StreamAggregation.Aggregate aggregate = StreamAggregation.Aggregate.fromRegistryName(aggregateText)
        .orElseThrow(() -> error(aggregateNode, what + ": unknown aggregate '" + aggregateText + "'; allowed: "
            + StreamAggregation.Aggregate.allowedNames()));
    String agg = aggregate.registryName();

    Node fieldNode = body.get("field");
    Optional<String> field = Optional.empty();
    if (!aggregate.readsField() && fieldNode != null) {
      throw error(fieldNode, what + ": count takes no 'field': it counts the events");
    }
    if (aggregate.readsField()) {
      if (fieldNode == null) {
        throw error(aggregateNode, what + ": " + agg + " needs 'field': the event field it reads ("
            + fieldsFor(schema, aggregate) + ")");
      }
      String fieldName = scalar(fieldNode, "field");
      EventSchema.Kind kind = schema.kind(fieldName).orElseThrow(() -> unknownField(fieldNode, what, schema, fieldName));
      if (!fits(aggregate, kind)) {
        throw error(fieldNode, what + ": " + agg + " needs a " + (aggregate == StreamAggregation.Aggregate.MIN
            || aggregate == StreamAggregation.Aggregate.MAX ? "number or timestamp" : "number") + " field, and '"
            + fieldName + "' of " + from + " is a " + kind.registryName() + "; fields that fit: "
            + fieldsFor(schema, aggregate));
      }
      field = Optional.of(fieldName);
    }

    Node windowNode = body.get("window");
    Optional<Duration> window = Optional.empty();
    if (aggregate.windowed()) {
      if (windowNode == null) {
        throw error(aggregateNode, what + ": " + agg + " needs a 'window' (like 30s, 5m, 1h, 7d)");
      }
      window = Optional.of(window(windowNode, what));
    } else if (windowNode != null) {
      throw error(windowNode, what + ": last takes no 'window': it is the field of the latest event by event time");
    }

    StreamAggregation declared = new StreamAggregation(from, key, where, aggregate, field, window);
    FeatureType expected = resultType(declared).orElseThrow();
    if (type != expected) {
      throw error(typeNode, what + ": type " + type.registryName() + " does not fit " + declared.describe()
          + ", which gives " + expected.registryName());
    }
    return declared;
  }

  /**
   * The type an aggregate's values have: a count is an int; a sum or mean of a number field a
   * double (event numbers are decimals); min, max and last keep the field's type.
   */
  private static Optional<FeatureType> resultType(StreamAggregation declared) {
    if (declared.aggregate() == StreamAggregation.Aggregate.COUNT) {
      return Optional.of(FeatureType.INT);
    }
    if (declared.aggregate() == StreamAggregation.Aggregate.SUM || declared.aggregate() == StreamAggregation.Aggregate.MEAN) {
      return Optional.of(FeatureType.DOUBLE);
    }
    return EventSchema.of(declared.from()).flatMap(s -> s.kind(declared.field().orElseThrow()))
        .map(RegistryParser::typeOf);
  }

  private static FeatureType typeOf(EventSchema.Kind kind) {
    switch (kind) {
      case STRING:
        return FeatureType.STRING;
      case NUMBER:
        return FeatureType.DOUBLE;
      case BOOL:
        return FeatureType.BOOL;
      case TIMESTAMP:
        return FeatureType.TIMESTAMP_MS;
      default:
        throw new AssertionError(kind);
    }
  }

  private static boolean fits(StreamAggregation.Aggregate aggregate, EventSchema.Kind kind) {
    switch (aggregate) {
      case SUM:
      case MEAN:
        return kind == EventSchema.Kind.NUMBER;
      case MIN:
      case MAX:
        return kind == EventSchema.Kind.NUMBER || kind == EventSchema.Kind.TIMESTAMP;
      default:
        return true;
    }
  }

  private static String fieldsFor(EventSchema schema, StreamAggregation.Aggregate aggregate) {
    List<String> out = new ArrayList<>();
    schema.fields().forEach((f, kind) -> {
      if (fits(aggregate, kind)) {
        out.add(f);
      }
    });
    return out.isEmpty() ? "none" : String.join(", ", out);
  }

  private String filterValue(Node node, String what, String field, EventSchema.Kind kind) {
    String text = scalar(node, what + ": where " + field);
    switch (kind) {
      case BOOL:
        if (text.equalsIgnoreCase("true") || text.equalsIgnoreCase("false")) {
          return text.toLowerCase(Locale.ROOT);
        }
        throw error(node, what + ": where " + field + ": '" + text + "' is not true or false");
      case NUMBER:
        try {
          return new BigDecimal(text).stripTrailingZeros().toPlainString();
        } catch (NumberFormatException e) {
          throw error(node, what + ": where " + field + ": '" + text + "' is not a number");
        }
      case TIMESTAMP:
        try {
          return Long.toString(Long.parseLong(text));
        } catch (NumberFormatException e) {
          throw error(node, what + ": where " + field + ": '" + text + "' is not epoch milliseconds");
        }
      default:
        return text;
    }
  }

  private Duration window(Node node, String what) {
    String text = scalar(node, "window");
    Matcher m = WINDOW.matcher(text.trim());
    if (!m.matches()) {
      throw error(node, what + ": window '" + text + "' is not a duration like 30s, 5m, 1h, 7d");
    }
    long amount = Long.parseLong(m.group(1));
    if (amount <= 0) {
      throw error(node, what + ": window must be > 0, not '" + text + "'");
    }
    ChronoUnit unit = switch (m.group(2)) {
      case "s" -> ChronoUnit.SECONDS;
      case "m" -> ChronoUnit.MINUTES;
      case "h" -> ChronoUnit.HOURS;
      default -> ChronoUnit.DAYS;
    };
    Duration window = Duration.of(amount, unit);
    if (window.compareTo(MAX_WINDOW) > 0) {
      throw error(node, what + ": window must be at most " + MAX_WINDOW.toDays() + "d, not '" + text + "'");
    }
    return window;
  }

  private RegistryException unknownField(Node node, String what, EventSchema schema, String field) {
    return error(node, what + ": event type '" + schema.type() + "' has no field '" + field + "'; fields: "
        + String.join(", ", schema.fields().keySet()));
  }

  private FeatureRef member(Node node, String service, Map<String, EntityDefinition> entities, EntityDefinition first,
      Set<FeatureRef> declared) {
    String text = scalar(node, "feature name");
    int dot = text.indexOf('.');
    String entity = dot < 0 ? first.name() : text.substring(0, dot);
    if (!entities.containsKey(entity)) {
      throw error(node, "service '" + service + "' names unknown entity '" + entity + "' in '" + text + "'; declared: "
          + String.join(", ", entities.keySet()));
    }
    FeatureRef ref = new FeatureRef(entity, text.substring(dot + 1));
    if (!declared.contains(ref)) {
      throw error(node, "service '" + service + "' names unknown feature '" + text + "' of entity '" + entity + "'");
    }
    return ref;
  }

  private static String eventTypes() {
    List<String> types = new ArrayList<>();
    EventSchema.ALL.forEach(s -> types.add(s.type()));
    return String.join(", ", types);
  }

  private MappingNode mappingNode(Node node, String what) {
    if (!(node instanceof MappingNode)) {
      throw error(node, what + " must be a mapping");
    }
    return (MappingNode) node;
  }

  private Map<String, Node> mapping(Node node, String what, Set<String> allowedKeys) {
    Map<String, Node> out = new LinkedHashMap<>();
    for (NodeTuple tuple : mappingNode(node, what).getValue()) {
      String key = scalar(tuple.getKeyNode(), "key");
      if (!allowedKeys.contains(key)) {
        throw error(tuple.getKeyNode(), "unknown key '" + key + "' in " + what + "; allowed: "
            + String.join(", ", new TreeSet<>(allowedKeys)));
      }
      if (out.put(key, tuple.getValueNode()) != null) {
        throw error(tuple.getKeyNode(), "key '" + key + "' appears twice in " + what);
      }
    }
    return out;
  }

  private List<Node> sequence(Node node, String what) {
    if (!(node instanceof SequenceNode)) {
      throw error(node, what + " must be a list");
    }
    return ((SequenceNode) node).getValue();
  }

  private Node required(Map<String, Node> map, String key, Node parent) {
    Node node = map.get(key);
    if (node == null) {
      throw error(parent, "missing required key '" + key + "'");
    }
    return node;
  }

  private String scalar(Node node, String what) {
    if (!(node instanceof ScalarNode)) {
      throw error(node, what + " must be a single value");
    }
    return ((ScalarNode) node).getValue();
  }

  private long positiveLong(Node node, String what) {
    String text = scalar(node, what);
    try {
      long value = Long.parseLong(text);
      if (value > 0) {
        return value;
      }
    } catch (NumberFormatException e) {
      // reported below
    }
    throw error(node, what + " must be a whole number of seconds > 0, not '" + text + "'");
  }

  private RegistryException error(Node node, String reason) {
    return new RegistryException(source, node == null ? 0 : node.getStartMark().getLine() + 1, reason);
  }
}
