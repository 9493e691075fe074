package io.featurestore.e2e;

import io.featurestore.events.EventJson;
import io.featurestore.events.InvalidEventException;
import io.featurestore.events.LoginEvent;
import io.featurestore.events.Topics;
import io.featurestore.events.TransactionEvent;
import io.featurestore.infra.junit.Await;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.Set;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/**
 * The events the input topics actually hold, read back from the broker with a plain consumer,
 * and the reference values of the streaming features computed from them with the window rule
 * of the design contract: at time T a count is the number of events with
 * {@code T - window < ts <= T}; {@code last_login_ts} is the newest successful login.
 *
 * @param records  records read back, usable or not
 * @param unusable records the processor must send to the DLQ (invalid, or keyed by someone else)
 * @param newestTs the newest event time in the topics
 */
record InputEvents(Map<String, long[]> transactions, Map<String, long[]> failedLogins, Map<String, Long> lastLogin,
    Map<String, long[]> merchantTransactions, long records, long unusable, long newestTs) {
  static final long TX_WINDOW_MS = Duration.ofMinutes(5).toMillis();
  static final long FAILED_LOGIN_WINDOW_MS = Duration.ofMinutes(15).toMillis();
  /** The merchant's streaming count, through the repartition topic: transactions per merchant over 1 h. */
  static final String MERCHANT_COUNT = "merchant_tx_count_1h";
  static final long MERCHANT_WINDOW_MS = Duration.ofHours(1).toMillis();

  /** Reads both input topics from the beginning to their end offsets as of now. */
  static InputEvents read(String bootstrapServers, EventJson json, Duration timeout) {
    Map<String, Object> config = Map.of(
        ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers,
        ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false,
        ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 5_000);
    Reader reader = new Reader(json);
    try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(config, new ByteArrayDeserializer(),
        new ByteArrayDeserializer())) {
      List<TopicPartition> partitions = new ArrayList<>();
      for (String topic : List.of(Topics.LOGIN, Topics.TRANSACTION)) {
        for (PartitionInfo info : consumer.partitionsFor(topic, timeout)) {
          partitions.add(new TopicPartition(topic, info.partition()));
        }
      }
      consumer.assign(partitions);
      consumer.seekToBeginning(partitions);
      Map<TopicPartition, Long> end = consumer.endOffsets(partitions, timeout);
      Await.value("the input topics read back to their end offsets (records left to read)", timeout, () -> {
        for (ConsumerRecord<byte[], byte[]> record : consumer.poll(Duration.ofMillis(500))) {
          // A record produced after the snapshot is not part of this reference.
          if (record.offset() < end.get(new TopicPartition(record.topic(), record.partition()))) {
            reader.add(record);
          }
        }
        return partitions.stream().mapToLong(p -> end.get(p) - consumer.position(p, timeout)).sum();
      }, left -> left <= 0);
    }
    return new InputEvents(sorted(reader.tx), sorted(reader.failed), reader.last, sorted(reader.merchantTx),
        reader.records, reader.unusable, reader.newest);
  }

  /** What {@link #read} gathers, record by record. */
  private static final class Reader {
    final EventJson json;
    final Map<String, List<Long>> tx = new HashMap<>();
    final Map<String, List<Long>> failed = new HashMap<>();
    final Map<String, Long> last = new HashMap<>();
    final Map<String, List<Long>> merchantTx = new HashMap<>();
    long records;
    long unusable;
    long newest = Long.MIN_VALUE;

    Reader(EventJson json) {
      this.json = json;
    }

    void add(ConsumerRecord<byte[], byte[]> record) {
      records++;
      String key = record.key() == null ? null : new String(record.key(), StandardCharsets.UTF_8);
      try {
        if (record.topic().equals(Topics.LOGIN)) {
          LoginEvent login = json.parseLogin(record.value());
          if (!login.userId().equals(key)) {
            unusable++;
          } else if (login.success()) {
            last.merge(login.userId(), login.ts(), Math::max);
          } else {
            failed.computeIfAbsent(login.userId(), u -> new ArrayList<>()).add(login.ts());
          }
          newest = Math.max(newest, login.ts());
        } else {
          TransactionEvent transaction = json.parseTransaction(record.value());
          if (!transaction.userId().equals(key)) {
            unusable++;
          } else {
            tx.computeIfAbsent(transaction.userId(), u -> new ArrayList<>()).add(transaction.ts());
            merchantTx.computeIfAbsent(transaction.merchantId(), m -> new ArrayList<>()).add(transaction.ts());
          }
          newest = Math.max(newest, transaction.ts());
        }
      } catch (InvalidEventException e) {
        unusable++; // the processor sends it to the DLQ; it counts for no one
      }
    }
  }

  private static Map<String, long[]> sorted(Map<String, List<Long>> byUser) {
    Map<String, long[]> out = new HashMap<>();
    byUser.forEach((user, times) -> {
      long[] array = times.stream().mapToLong(Long::longValue).toArray();
      Arrays.sort(array);
      out.put(user, array);
    });
    return out;
  }

  /** Every user with at least one usable event. */
  Set<String> users() {
    Set<String> users = new java.util.TreeSet<>(transactions.keySet());
    users.addAll(failedLogins.keySet());
    users.addAll(lastLogin.keySet());
    return users;
  }

  /** The reference {@code tx_count_5m} of {@code user} at time {@code t}. */
  int transactionsAt(String user, long t) {
    return countIn(transactions.get(user), t - TX_WINDOW_MS, t);
  }

  /** The reference {@code failed_logins_15m} of {@code user} at time {@code t}. */
  int failedLoginsAt(String user, long t) {
    return countIn(failedLogins.get(user), t - FAILED_LOGIN_WINDOW_MS, t);
  }

  /** The reference {@code merchant_tx_count_1h} of {@code merchant} at time {@code t}. */
  int merchantTransactionsAt(String merchant, long t) {
    return countIn(merchantTransactions.get(merchant), t - MERCHANT_WINDOW_MS, t);
  }

  /** Every merchant with at least one usable transaction. */
  Set<String> merchants() {
    return new java.util.TreeSet<>(merchantTransactions.keySet());
  }

  /** The newest successful login of {@code user}, if any. */
  OptionalLong lastLoginTs(String user) {
    Long ts = lastLogin.get(user);
    return ts == null ? OptionalLong.empty() : OptionalLong.of(ts);
  }

  /** Events with {@code after < ts <= upTo} in a sorted array. */
  private static int countIn(long[] sorted, long after, long upTo) {
    if (sorted == null) {
      return 0;
    }
    return upperBound(sorted, upTo) - upperBound(sorted, after);
  }

  /** The number of elements {@code <= value}. */
  private static int upperBound(long[] sorted, long value) {
    int low = 0;
    int high = sorted.length;
    while (low < high) {
      int mid = (low + high) >>> 1;
      if (sorted[mid] <= value) {
        low = mid + 1;
      } else {
        high = mid;
      }
    }
    return low;
  }
}
