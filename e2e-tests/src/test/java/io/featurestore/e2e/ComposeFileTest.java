package io.featurestore.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import io.featurestore.events.Topics;
import io.featurestore.infra.ProjectScripts;
import io.featurestore.materializer.MaterializerCli;
import io.featurestore.processor.StreamProcessorConfig;
import io.featurestore.serving.ServingConfig;
import io.featurestore.simulator.EventSimulatorCli;
import java.io.IOException;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;

/**
 * Cross-checks docker-compose.yml (which cannot run on machines without Docker) against the
 * code: every environment variable a service is given is one its configuration reads, ports
 * and topic names agree, the commands parse, images are pinned, the local stack runs the same
 * services, and the redis-cluster profile makes the cluster the services are pointed at.
 * scripts/check-compose.sh validates the file with a real Compose.
 */
class ComposeFileTest {
  private static final Path ROOT = ProjectScripts.root();
  private static final String CLUSTER_PROFILE = "redis-cluster";
  /** The services that use the store: each reads REDIS_URL, or REDIS_CLUSTER_NODES when that is set. */
  private static final List<String> STORE_SERVICES = List.of("materializer", "stream-processor", "serving-api");
  private static Map<String, Map<String, Object>> services;

  @BeforeAll
  @SuppressWarnings("unchecked")
  static void load() throws IOException {
    try (Reader reader = Files.newBufferedReader(ROOT.resolve("docker-compose.yml"))) {
      Map<String, Object> compose = new Yaml(new SafeConstructor(new LoaderOptions())).load(reader);
      services = (Map<String, Map<String, Object>>) compose.get("services");
    }
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> environment(String service) {
    Object env = services.get(service).get("environment");
    return env == null ? Map.of() : (Map<String, Object>) env;
  }

  @SuppressWarnings("unchecked")
  private static List<String> list(String service, String key) {
    return (List<String>) services.get(service).get(key);
  }

  /** Replaces ${NAME:-default} with its default, as Compose does with the variable unset. */
  private static String[] withDefaults(List<String> command) {
    return command.stream().map(a -> a.replaceAll("\\$\\{[A-Z_]+:-([^}]*)}", "$1")).toArray(String[]::new);
  }

  @SuppressWarnings("unchecked")
  private static List<String> profiles(String service) {
    Object profiles = services.get(service).get("profiles");
    return profiles == null ? List.of() : (List<String>) profiles;
  }

  private static List<String> servicesIn(String profile) {
    return services.keySet().stream().filter(s -> profiles(s).contains(profile)).sorted().toList();
  }

  @Test
  void shouldRunTheSameServicesAsTheLocalStack() throws IOException {
    assertThat(services.keySet().stream().filter(s -> profiles(s).isEmpty()))
        .containsExactlyInAnyOrder("kafka", "kafka-init", "redis", "materializer", "stream-processor",
            "event-simulator", "serving-api");
    assertThat(services.keySet().stream().filter(s -> !profiles(s).isEmpty()))
        .as("services in a profile").allSatisfy(s -> assertThat(profiles(s)).containsExactly(CLUSTER_PROFILE));
    Matcher m = Pattern.compile("(?m)^SERVICES=\\(([^)]*)\\)").matcher(Files.readString(ROOT.resolve("stack")));
    assertThat(m.find()).as("SERVICES=(…) in ./stack").isTrue();
    assertThat(Arrays.asList(m.group(1).trim().split("\\s+")))
        .containsExactlyInAnyOrder("redis", "kafka", "materializer", "stream-processor", "event-simulator", "serving-api");
  }

  @Test
  void shouldGiveEachServiceOnlyVariablesItsConfigurationReads() {
    assertThat(environment("materializer").keySet()).isSubsetOf(MaterializerCli.ENVIRONMENT);
    assertThat(environment("stream-processor").keySet()).isSubsetOf(StreamProcessorConfig.ENVIRONMENT);
    assertThat(environment("event-simulator").keySet()).isSubsetOf(EventSimulatorCli.ENVIRONMENT);
    assertThat(environment("serving-api").keySet()).isSubsetOf(ServingConfig.ENVIRONMENT);
  }

  @Test
  void shouldPassTheKafkaSecuritySettingsThroughToEveryKafkaClientEmptyByDefault() {
    Map<String, Set<String>> readBy = Map.of("stream-processor", StreamProcessorConfig.ENVIRONMENT,
        "event-simulator", EventSimulatorCli.ENVIRONMENT);
    readBy.forEach((service, variables) -> {
      List<String> security = variables.stream()
          .filter(v -> v.startsWith("KAFKA_SECURITY_") || v.startsWith("KAFKA_SASL_") || v.startsWith("KAFKA_SSL_"))
          .toList();
      assertThat(security).as(service).hasSize(6);
      for (String variable : security) {
        assertThat(environment(service).get(variable)).as(service + " " + variable).isEqualTo("${" + variable + ":-}");
      }
    });
  }

  @Test
  void shouldPointServicesAtTheComposeBrokerAndRedis() {
    assertThat(environment("kafka").get("KAFKA_ADVERTISED_LISTENERS").toString()).contains("PLAINTEXT://kafka:9092");
    for (String service : List.of("stream-processor", "event-simulator")) {
      assertThat(environment(service).get("KAFKA_BOOTSTRAP_SERVERS")).as(service).isEqualTo("kafka:9092");
    }
    for (String service : STORE_SERVICES) {
      assertThat(environment(service).get("REDIS_URL")).as(service).isEqualTo("redis://redis:6379");
    }
  }

  /**
   * The redis-cluster profile: three or more cluster-enabled masters, each on its own port; a
   * one-shot init that joins exactly those nodes; the store services reading REDIS_CLUSTER_NODES,
   * empty by default (so they use REDIS_URL), gated on a redis healthcheck that waits for the
   * cluster; and the documented command's seeds naming the nodes and their ports.
   */
  @Test
  void shouldRunTheStoreOnTheClusterProfilesNodesWhenGivenTheirSeeds() throws IOException {
    List<String> nodes = new ArrayList<>();
    for (String service : servicesIn(CLUSTER_PROFILE)) {
      if (service.equals("redis-cluster-init")) {
        continue;
      }
      List<String> command = list(service, "command");
      assertThat(command).as(service).startsWith("redis-server").containsSubsequence("--cluster-enabled", "yes");
      String port = command.get(command.indexOf("--port") + 1);
      assertThat(healthcheck(service)).as(service + " healthcheck").contains("-p " + port);
      nodes.add(service + ":" + port);
    }
    assertThat(nodes).as("cluster nodes").hasSizeGreaterThanOrEqualTo(3);
    assertThat(nodes.stream().map(n -> n.substring(n.indexOf(':') + 1)).distinct()).as("node ports").hasSameSizeAs(nodes);

    assertThat(servicesIn(CLUSTER_PROFILE)).contains("redis-cluster-init");
    String init = String.join("\n", list("redis-cluster-init", "command"));
    Matcher joined = Pattern.compile("nodes=\"([^\"]+)\"").matcher(init);
    assertThat(joined.find()).as("nodes=\"…\" in redis-cluster-init").isTrue();
    assertThat(joined.group(1).trim().split("\\s+")).containsExactlyInAnyOrderElementsOf(nodes);
    assertThat(init).contains("redis-cli --cluster create $$nodes", "--cluster-yes", "cluster_slots_assigned:16384");
    assertThat(dependsOn("redis-cluster-init").keySet()).containsExactlyInAnyOrderElementsOf(
        nodes.stream().map(n -> n.substring(0, n.indexOf(':'))).toList());

    for (String service : STORE_SERVICES) {
      assertThat(environment(service).get("REDIS_CLUSTER_NODES")).as(service).isEqualTo("${REDIS_CLUSTER_NODES:-}");
      assertThat(dependsOn(service)).as(service).containsKey("redis");
    }
    assertThat(environment("redis").get("REDIS_CLUSTER_NODES")).isEqualTo("${REDIS_CLUSTER_NODES:-}");
    assertThat(healthcheck("redis")).contains("$$REDIS_CLUSTER_NODES", "cluster_state:ok");

    for (String doc : List.of("README.md", "docker-compose.yml")) {
      Matcher run = Pattern.compile("REDIS_CLUSTER_NODES=(\\S+) docker compose --profile " + CLUSTER_PROFILE + " up")
          .matcher(Files.readString(ROOT.resolve(doc)));
      assertThat(run.find()).as("the command to run on the cluster profile in " + doc).isTrue();
      assertThat(run.group(1).split(",")).as("seeds in " + doc).containsExactlyInAnyOrderElementsOf(nodes);
    }
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> dependsOn(String service) {
    Object dependsOn = services.get(service).get("depends_on");
    return dependsOn == null ? Map.of() : (Map<String, Object>) dependsOn;
  }

  @Test
  void shouldCreateExactlyTheTopicsTheCodeUses() {
    String script = String.join("\n", list("kafka-init", "command"));
    Matcher m = Pattern.compile("for topic in ([^;]+);").matcher(script);
    assertThat(m.find()).isTrue();
    assertThat(Arrays.asList(m.group(1).trim().split("\\s+"))).containsExactlyInAnyOrderElementsOf(Topics.ALL);
  }

  @Test
  void shouldAgreeOnPortsAndHealthEndpoints() {
    assertThat(environment("serving-api").get("SERVING_PORT")).isEqualTo("8080");
    assertThat(list("serving-api", "ports")).containsExactly("${SERVING_PORT:-8080}:8080");
    assertThat(ServingConfig.fromEnv(Map.of()).port()).isEqualTo(8080);
    assertThat(healthcheck("serving-api")).contains("http://localhost:8080/health/ready");
    String metricsPort = environment("stream-processor").get("FS_PROCESSOR_METRICS_PORT").toString();
    assertThat(healthcheck("stream-processor")).contains("http://localhost:" + metricsPort + "/health");
  }

  @SuppressWarnings("unchecked")
  private static String healthcheck(String service) {
    return String.join(" ", (List<String>) ((Map<String, Object>) services.get(service).get("healthcheck")).get("test"));
  }

  @Test
  void shouldGiveCommandsTheServicesAccept() {
    MaterializerCli.commandLine(Map.of()).parseArgs(withDefaults(list("materializer", "command")));
    EventSimulatorCli.commandLine(System.in, Map.of()).parseArgs(withDefaults(list("event-simulator", "command")));
  }

  @Test
  void shouldPinEveryImage() {
    for (Map.Entry<String, Map<String, Object>> service : services.entrySet()) {
      Object image = service.getValue().get("image");
      assertThat(image).as(service.getKey() + " image").isNotNull();
      assertThat(image.toString()).as(service.getKey()).matches("[^:]+:[0-9][^:]*").doesNotEndWith(":latest");
    }
  }

  @Test
  void shouldCopyEveryModulePomIntoTheImageBuild() throws IOException {
    Matcher m = Pattern.compile("<module>([^<]+)</module>").matcher(Files.readString(ROOT.resolve("pom.xml")));
    List<String> modules = new ArrayList<>();
    while (m.find()) {
      modules.add(m.group(1));
    }
    String dockerfile = Files.readString(ROOT.resolve("Dockerfile"));
    assertThat(modules).contains("serving-api", "e2e-tests");
    for (String module : modules) {
      assertThat(dockerfile).as("Dockerfile copies " + module + "/pom.xml").contains("COPY " + module + "/pom.xml");
    }
    assertThat(Set.of("materializer", "stream-processor", "event-simulator", "serving-api")).allSatisfy(
        module -> assertThat(services.get(module).get("build").toString()).contains("MODULE=" + module));
  }
}
