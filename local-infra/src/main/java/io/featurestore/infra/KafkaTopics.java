package io.featurestore.infra;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.ListOffsetsResult.ListOffsetsResultInfo;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.KafkaFuture;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.TopicPartitionInfo;
import org.apache.kafka.common.errors.RetriableException;
import org.apache.kafka.common.errors.TopicExistsException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Creates topics on any broker (in-process or in a container) and waits until they are usable. */
public final class KafkaTopics {
  private static final Logger LOG = LoggerFactory.getLogger(KafkaTopics.class);
  private static final Duration TIMEOUT = Duration.ofSeconds(30);
  /**
   * Partitions of each topic the local stack, docker-compose and the broker launcher create unless
   * {@code FS_TOPIC_PARTITIONS} asks for another number: up to this many stream-processor instances
   * share the work. A topic that exists keeps its count (adding partitions would move users to
   * other partitions, away from their state).
   */
  public static final int DEFAULT_PARTITIONS = 3;
  /** The environment variable that asks for another partition count. */
  public static final String PARTITIONS_VARIABLE = "FS_TOPIC_PARTITIONS";

  private KafkaTopics() {}

  /**
   * The partition count of each named topic, once every partition of them is served (as
   * {@link #awaitServed}); throws if that is not so within {@code timeout}.
   */
  public static Map<String, Integer> partitionCounts(String bootstrapServers, Duration timeout, String... names) {
    return ask(bootstrapServers, timeout, names, (admin, deadline) -> {
      awaitLeaders(admin, List.of(names), 0, deadline);
      Map<String, Integer> counts = new TreeMap<>();
      admin.describeTopics(List.of(names)).allTopicNames().get(remainingMillis(deadline), TimeUnit.MILLISECONDS)
          .forEach((name, description) -> counts.put(name, description.partitions().size()));
      return counts;
    });
  }

  /**
   * Creates each topic with {@code partitions} partitions and replication factor 1; a topic
   * that exists already is left as it is. Returns once every partition of every named topic
   * has a leader that answers for it, so that producing right away does not meet
   * {@code NOT_LEADER_OR_FOLLOWER}.
   */
  public static void create(String bootstrapServers, int partitions, String... names) {
    if (partitions < 1) {
      throw new IllegalArgumentException("partitions must be at least 1, not " + partitions);
    }
    if (names.length == 0) {
      return;
    }
    long deadline = System.nanoTime() + TIMEOUT.toNanos();
    List<String> topics = List.copyOf(Arrays.asList(names));
    try (Admin admin = Admin.create(KafkaBroker.adminProperties(bootstrapServers))) {
      List<NewTopic> requests = topics.stream().map(name -> new NewTopic(name, partitions, (short) 1)).toList();
      for (Map.Entry<String, KafkaFuture<Void>> created : admin.createTopics(requests).values().entrySet()) {
        try {
          created.getValue().get(remainingMillis(deadline), TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
          if (!(e.getCause() instanceof TopicExistsException)) {
            throw new IllegalStateException("cannot create topic " + created.getKey() + " on " + bootstrapServers,
                e.getCause());
          }
        }
      }
      awaitLeaders(admin, topics, partitions, deadline);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while creating topics " + topics, e);
    } catch (TimeoutException e) {
      throw new IllegalStateException("topics " + topics + " not created on " + bootstrapServers + " within " + TIMEOUT, e);
    }
  }

  /**
   * Whether a broker is ready for the pipeline: returns the number of records in the named
   * topics (the sum of their end offsets) once every partition of each has a leader that
   * answers for it, and throws if that is not so within {@code timeout}. With no topics, it
   * only asks that the broker answers.
   */
  public static long awaitServed(String bootstrapServers, Duration timeout, String... names) {
    return ask(bootstrapServers, timeout, names, (admin, deadline) -> {
      if (names.length == 0) {
        admin.describeCluster().nodes().get(remainingMillis(deadline), TimeUnit.MILLISECONDS);
        return 0L;
      }
      return awaitLeaders(admin, List.of(names), 0, deadline);
    });
  }

  /** What {@link #ask} runs with an admin client and the deadline of its {@code timeout}. */
  private interface AdminCall<T> {
    T call(Admin admin, long deadline) throws InterruptedException, ExecutionException, TimeoutException;
  }

  /**
   * Runs {@code call} with an admin client whose own retries are bounded by {@code timeout} too,
   * so that a probe of a dead broker ends in time; a failure names the broker and the topics.
   */
  private static <T> T ask(String bootstrapServers, Duration timeout, String[] names, AdminCall<T> call) {
    long deadline = System.nanoTime() + timeout.toNanos();
    Map<String, Object> props = KafkaBroker.adminProperties(bootstrapServers);
    props.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, (int) timeout.toMillis());
    props.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, (int) Math.min(timeout.toMillis(), 5_000));
    try (Admin admin = Admin.create(props)) {
      return call.call(admin, deadline);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while asking " + bootstrapServers, e);
    } catch (ExecutionException | TimeoutException e) {
      throw new IllegalStateException(bootstrapServers + " does not serve " + List.of(names) + " within " + timeout
          + ": " + (e.getCause() != null ? e.getCause() : e), e);
    }
  }

  /** The records in the topics once every partition is served; {@code partitions} > 0 warns about topics of another size. */
  private static long awaitLeaders(Admin admin, List<String> topics, int partitions, long deadline)
      throws InterruptedException, TimeoutException {
    List<String> notReady = List.of();
    Throwable last = null;
    boolean warned = false;
    while (System.nanoTime() < deadline) {
      try {
        Map<String, TopicDescription> descriptions =
            admin.describeTopics(topics).allTopicNames().get(remainingMillis(deadline), TimeUnit.MILLISECONDS);
        List<TopicPartition> all = new ArrayList<>();
        List<String> leaderless = new ArrayList<>();
        for (TopicDescription description : descriptions.values()) {
          if (!warned && partitions > 0 && description.partitions().size() != partitions) {
            LOG.warn("topic {} exists with {} partitions, not {}; left as it is",
                description.name(), description.partitions().size(), partitions);
          }
          for (TopicPartitionInfo info : description.partitions()) {
            TopicPartition partition = new TopicPartition(description.name(), info.partition());
            all.add(partition);
            if (info.leader() == null || info.leader().isEmpty()) {
              leaderless.add(partition.toString());
            }
          }
        }
        warned = true;
        if (leaderless.isEmpty()) {
          // The metadata can name a leader a moment before that broker serves the partition;
          // listing offsets asks the leader itself.
          Map<TopicPartition, OffsetSpec> latest = new HashMap<>();
          all.forEach(partition -> latest.put(partition, OffsetSpec.latest()));
          return admin.listOffsets(latest).all().get(remainingMillis(deadline), TimeUnit.MILLISECONDS).values().stream()
              .mapToLong(ListOffsetsResultInfo::offset).sum();
        }
        notReady = leaderless;
      } catch (ExecutionException e) {
        if (!(e.getCause() instanceof RetriableException)) {
          throw new IllegalStateException("cannot describe topics " + topics, e.getCause());
        }
        last = e.getCause();
      }
      Thread.sleep(50);
    }
    TimeoutException timeout = new TimeoutException("partitions without a serving leader: "
        + (notReady.isEmpty() ? topics : notReady));
    if (last != null) {
      timeout.initCause(last);
    }
    throw timeout;
  }

  private static long remainingMillis(long deadline) {
    return Math.max(1, TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime()));
  }
}
