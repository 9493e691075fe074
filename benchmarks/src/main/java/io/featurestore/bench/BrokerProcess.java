package io.featurestore.bench;

import io.featurestore.infra.FreePorts;
import io.featurestore.infra.KafkaTopics;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.DescribeClusterOptions;

/**
 * A real single-node KRaft broker as its own process: local-infra's {@code KafkaBrokerMain}
 * (the one the local stack runs), started from this jar's class path on free loopback
 * ports with a data dir of its own. Its own process keeps its CPU apart from the
 * benchmark's producer and consumer, and measurable.
 */
final class BrokerProcess extends ChildJvm {
  private final String bootstrapServers;

  private BrokerProcess(List<String> javaOptions, int port, int controllerPort, Path dataDir, Path log) {
    super("kafka-broker", javaOptions, List.of("-cp", System.getProperty("java.class.path"),
        "io.featurestore.infra.KafkaBrokerMain", "--port", Integer.toString(port),
        "--controller-port", Integer.toString(controllerPort), "--data-dir", dataDir.toString()), Map.of(), log);
    this.bootstrapServers = "127.0.0.1:" + port;
  }

  /** Starts the broker, waits until it answers, and creates {@code topics} with {@code partitions} each. */
  static BrokerProcess start(List<String> javaOptions, Path dataDir, Path log, int partitions, List<String> topics) {
    int port = FreePorts.next();
    int controllerPort = FreePorts.next();
    while (controllerPort == port) {
      controllerPort = FreePorts.next();
    }
    BrokerProcess broker = new BrokerProcess(javaOptions, port, controllerPort, dataDir, log);
    try {
      broker.awaitReady(90);
      KafkaTopics.create(broker.bootstrapServers(), partitions, topics.toArray(String[]::new));
      return broker;
    } catch (RuntimeException e) {
      broker.stop(10);
      throw e;
    }
  }

  private void awaitReady(long timeoutSeconds) {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(timeoutSeconds);
    // The port first, so the admin client does not log a warning for every refused connection.
    while (!portOpen() && System.nanoTime() < deadline) {
      requireAlive();
      ProcessorProcess.sleep(100);
    }
    try (Admin admin = Admin.create(adminProperties(bootstrapServers))) {
      while (System.nanoTime() < deadline) {
        requireAlive();
        try {
          if (!admin.describeCluster(new DescribeClusterOptions().timeoutMs(1_000)).nodes().get().isEmpty()) {
            return;
          }
        } catch (ExecutionException e) {
          // not up yet
        }
        Thread.sleep(100);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while waiting for the Kafka broker", e);
    }
    throw new IllegalStateException("Kafka broker on " + bootstrapServers + " did not answer within " + timeoutSeconds
        + " s; its output ends with:\n" + logTail(3000));
  }

  private boolean portOpen() {
    int colon = bootstrapServers.lastIndexOf(':');
    try (Socket socket = new Socket()) {
      socket.connect(new InetSocketAddress(bootstrapServers.substring(0, colon),
          Integer.parseInt(bootstrapServers.substring(colon + 1))), 200);
      return true;
    } catch (IOException e) {
      return false;
    }
  }

  static Map<String, Object> adminProperties(String bootstrapServers) {
    return Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers,
        AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 5_000,
        AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 10_000);
  }

  String bootstrapServers() {
    return bootstrapServers;
  }
}
