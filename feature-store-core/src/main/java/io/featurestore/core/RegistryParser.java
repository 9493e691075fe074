package io.featurestore.core;

import java.io.Reader;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
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
 */
final class RegistryParser {
  private static final Pattern FEATURE_NAME = Pattern.compile("[a-z][a-z0-9_]{0,63}");
  private static final Set<String> TOP_KEYS = Set.of("entity", "batch_ttl_seconds", "stream_ttl_seconds", "features", "services");
  private static final Set<String> ENTITY_KEYS = Set.of("name", "key_prefix", "id_pattern");
  private static final Set<String> FEATURE_KEYS = Set.of("name", "type", "source", "description");
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

    Map<String, Node> entity = mapping(required(top, "entity", root), "entity", ENTITY_KEYS);
    String entityName = scalar(required(entity, "name", top.get("entity")), "entity.name");
    String keyPrefix = scalar(required(entity, "key_prefix", top.get("entity")), "entity.key_prefix");
    if (keyPrefix.isEmpty()) {
      throw error(entity.get("key_prefix"), "entity.key_prefix must not be empty");
    }
    Node patternNode = required(entity, "id_pattern", top.get("entity"));
    Pattern idPattern;
    try {
      idPattern = Pattern.compile(scalar(patternNode, "entity.id_pattern"));
    } catch (PatternSyntaxException e) {
      throw error(patternNode, "entity.id_pattern is not a valid regular expression: " + e.getDescription());
    }

    long batchTtl = positiveLong(required(top, "batch_ttl_seconds", root), "batch_ttl_seconds");
    long streamTtl = positiveLong(required(top, "stream_ttl_seconds", root), "stream_ttl_seconds");

    Node featuresNode = required(top, "features", root);
    List<FeatureDefinition> features = new ArrayList<>();
    Set<String> names = new HashSet<>();
    for (Node item : sequence(featuresNode, "features")) {
      FeatureDefinition f = feature(item);
      if (!names.add(f.name())) {
        throw error(item, "feature '" + f.name() + "' is defined twice");
      }
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
        List<String> members = new ArrayList<>();
        for (Node member : sequence(list, "services." + name + ".features")) {
          String featureName = scalar(member, "feature name");
          if (!names.contains(featureName)) {
            throw error(member, "service '" + name + "' names unknown feature '" + featureName + "'");
          }
          if (members.contains(featureName)) {
            throw error(member, "service '" + name + "' lists '" + featureName + "' twice");
          }
          members.add(featureName);
        }
        if (members.isEmpty()) {
          throw error(list, "service '" + name + "' must list at least one feature");
        }
        Node description = body.get("description");
        services.add(new FeatureService(name, description == null ? "" : scalar(description, "description"), members));
      }
    }
    try {
      return new FeatureRegistry(entityName, keyPrefix, idPattern, batchTtl, streamTtl, features, services);
    } catch (IllegalArgumentException e) {
      throw new RegistryException(source, 0, e.getMessage());
    }
  }

  private FeatureDefinition feature(Node item) {
    Map<String, Node> body = mapping(item, "a feature", FEATURE_KEYS);
    Node nameNode = required(body, "name", item);
    String name = scalar(nameNode, "feature name");
    if (!FEATURE_NAME.matcher(name).matches()) {
      throw error(nameNode, "feature name '" + name + "' must match " + FEATURE_NAME.pattern());
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
    Node description = body.get("description");
    return new FeatureDefinition(name, type, featureSource, description == null ? "" : scalar(description, "description"));
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
            + String.join(", ", new java.util.TreeSet<>(allowedKeys)));
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
