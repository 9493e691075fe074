package io.featurestore.processor;

import io.featurestore.cli.KafkaSecurity;
import io.featurestore.events.Topics;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.KafkaFuture;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What the processor checks against Kafka before it starts its stream threads:
 * <ul>
 *   <li>both input topics exist and have the same number of partitions (co-partitioned), so that
 *       a user's logins and transactions reach the same task; otherwise it refuses to start;</li>
 *   <li>its local state belongs to this Kafka cluster ({@link ClusterIdMarker}); state written
 *       against another cluster is wiped, with one log line naming both cluster ids.</li>
 * </ul>
 */
final class StartupChecks {
  private static final Logger LOG = LoggerFactory.getLogger(StartupChecks.class);
  static final List<String> INPUT_TOPICS = List.of(Topics.LOGIN, Topics.TRANSACTION);
  static final Duration TIMEOUT = Duration.ofSeconds(30);
  /** A little longer than the Admin client's own timeout, so that its error (with a message) comes first. */
  private static final Duration WAIT = TIMEOUT.plusSeconds(5);

  private StartupChecks() {}

  /** The processor cannot start: the message says why, in one line. */
  static final class StartupException extends RuntimeException {
    private final int exitCode;

    StartupException(String message, int exitCode, Throwable cause) {
      super(message, cause);
      this.exitCode = exitCode;
    }

    /** 2 for a setup the processor refuses (topics), 1 for Kafka not answering. */
    int exitCode() {
      return exitCode;
    }
  }

  /**
   * Runs every check; {@code wipeLocalState} deletes the application's local state (Kafka
   * Streams' {@code cleanUp()}, before start) and is called only when that state belongs to
   * another cluster. Returns the current cluster id.
   */
  static String run(StreamProcessorConfig config, Runnable wipeLocalState) {
    String bootstrap = config.bootstrapServers();
    try (Admin admin = Admin.create(adminProperties(bootstrap, config.kafkaSecurity()))) {
      String clusterId = clusterId(admin, bootstrap);
      requireCoPartitioned(partitionCounts(admin, INPUT_TOPICS, bootstrap), bootstrap);
      prepareLocalState(new ClusterIdMarker(config.stateDir(), config.applicationId()), clusterId, wipeLocalState);
      return clusterId;
    } catch (StartupException e) {
      throw KafkaSecurity.refusal(e.getCause())
          .map(refusal -> new StartupException(config.kafkaSecurity().refusedBy(bootstrap, refusal), 2, refusal))
          .orElseThrow(() -> e);
    }
  }

  static Map<String, Object> adminProperties(String bootstrapServers) {
    return adminProperties(bootstrapServers, KafkaSecurity.NONE);
  }

  static Map<String, Object> adminProperties(String bootstrapServers, KafkaSecurity security) {
    Map<String, Object> props = new LinkedHashMap<>(security.clientProperties());
    props.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
    props.put(AdminClientConfig.CLIENT_ID_CONFIG, "feature-store-stream-processor-startup-checks");
    props.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 10_000);
    props.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, (int) TIMEOUT.toMillis());
    return props;
  }

  static String clusterId(Admin admin, String bootstrap) {
    return get(admin.describeCluster().clusterId(), "the cluster id", bootstrap);
  }

  /** The partition count of each topic; a topic that does not exist is named in the exception. */
  static Map<String, Integer> partitionCounts(Admin admin, List<String> topics, String bootstrap) {
    Map<String, KafkaFuture<TopicDescription>> futures = admin.describeTopics(topics).topicNameValues();
    Map<String, Integer> counts = new LinkedHashMap<>();
    List<String> missing = new ArrayList<>();
    for (String topic : topics) {
      try {
        counts.put(topic, futures.get(topic).get(WAIT.toMillis(), TimeUnit.MILLISECONDS).partitions().size());
      } catch (ExecutionException e) {
        if (e.getCause() instanceof UnknownTopicOrPartitionException) {
          missing.add(topic);
        } else {
          throw unreachable("the partitions of topic " + topic, bootstrap, e.getCause());
        }
      } catch (TimeoutException e) {
        throw unreachable("the partitions of topic " + topic, bootstrap, e);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new StartupException("interrupted while describing topic " + topic, 1, e);
      }
    }
    if (!missing.isEmpty()) {
      throw new StartupException((missing.size() == 1 ? "input topic " + missing.get(0) + " does not exist"
          : "input topics " + String.join(" and ", missing) + " do not exist") + " on Kafka " + bootstrap
          + ": create " + String.join(" and ", topics) + " with the same number of partitions", 2, null);
    }
    return counts;
  }

  /** Refuses input topics with different partition counts: one user's events would be split over two tasks. */
  static void requireCoPartitioned(Map<String, Integer> counts, String bootstrap) {
    if (counts.values().stream().distinct().count() > 1) {
      List<String> each = new ArrayList<>();
      counts.forEach((topic, partitions) -> each.add(topic + " has " + partitions
          + (partitions == 1 ? " partition" : " partitions")));
      throw new StartupException("input topics are not co-partitioned on Kafka " + bootstrap + ": "
          + String.join(", ", each) + "; they must have the same number of partitions, so that all of a user's"
          + " events reach one task", 2, null);
    }
  }

  /** Wipes local state that belongs to another cluster (logging one line), then marks the state as this cluster's. */
  static ClusterIdMarker.Decision prepareLocalState(ClusterIdMarker marker, String clusterId, Runnable wipeLocalState) {
    ClusterIdMarker.Decision decision = marker.decide(clusterId);
    if (decision instanceof ClusterIdMarker.Decision.Wipe wipe) {
      LOG.warn(wipe.logLine(marker.appDir()));
      marker.delete();
      wipeLocalState.run();
    }
    marker.write(clusterId);
    return decision;
  }

  private static <T> T get(KafkaFuture<T> future, String what, String bootstrap) {
    try {
      return future.get(WAIT.toMillis(), TimeUnit.MILLISECONDS);
    } catch (ExecutionException e) {
      throw unreachable(what, bootstrap, e.getCause());
    } catch (TimeoutException e) {
      throw unreachable(what, bootstrap, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new StartupException("interrupted while asking Kafka " + bootstrap + " for " + what, 1, e);
    }
  }

  private static StartupException unreachable(String what, String bootstrap, Throwable cause) {
    String detail = cause == null || cause.getMessage() == null ? "" : " (" + cause.getMessage() + ")";
    return new StartupException("Kafka " + bootstrap + " did not answer within " + TIMEOUT.toSeconds() + " s (asked for "
        + what + ")" + detail, 1, cause);
  }
}
