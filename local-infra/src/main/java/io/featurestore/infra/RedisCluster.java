package io.featurestore.infra;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A real Redis Cluster on loopback, made of {@code redis-server} processes of the same build as
 * {@link RedisServer}: {@code masters} masters with {@code replicasPerMaster} replicas each,
 * joined by {@code redis-cli --cluster create}. Nodes time out after 2 s, so a killed master is
 * replaced by its replica within a few seconds.
 */
public final class RedisCluster implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(RedisCluster.class);
  /** {@code cluster-node-timeout}: how long a master may be silent before its replica takes over. */
  public static final int NODE_TIMEOUT_MILLIS = 2000;

  private final List<RedisServer> nodes;
  private final Path cli;
  private final Security security;

  /**
   * What clients must bring: a password for the default user (also the replicas' {@code masterauth}),
   * and TLS for clients, the cluster bus and replication, with these files.
   */
  public record Security(Optional<String> password, Optional<TlsFiles> tls) {
    public static final Security NONE = new Security(Optional.empty(), Optional.empty());

    List<String> serverArgs(int port) {
      List<String> args = new ArrayList<>();
      password.ifPresent(p -> args.addAll(List.of("--requirepass", p, "--masterauth", p)));
      tls.ifPresent(t -> {
        args.addAll(t.redisServerArgs(port));
        args.addAll(List.of("--tls-cluster", "yes", "--tls-replication", "yes"));
      });
      return args;
    }

    List<String> cliArgs() {
      List<String> args = new ArrayList<>();
      password.ifPresent(p -> args.addAll(List.of("-a", p, "--no-auth-warning")));
      tls.ifPresent(t -> args.addAll(List.of("--tls", "--cacert", t.caCert().toString())));
      return args;
    }
  }

  private RedisCluster(List<RedisServer> nodes, Path cli, Security security) {
    this.nodes = nodes;
    this.cli = cli;
    this.security = security;
  }

  /** Starts and joins a cluster on free loopback ports; returns once every node reports {@code cluster_state:ok}. */
  public static RedisCluster start(int masters, int replicasPerMaster) {
    return start(masters, replicasPerMaster, Security.NONE);
  }

  /**
   * {@link #start(int, int)} for clients that must authenticate or speak TLS: with TLS, each node
   * listens only on its TLS port, which {@link RedisServer#port()} reports.
   */
  public static RedisCluster start(int masters, int replicasPerMaster, Security security) {
    if (masters < 3) {
      throw new IllegalArgumentException("a Redis Cluster needs at least 3 masters, not " + masters);
    }
    Path server = RedisBinary.locate();
    Path cli = server.resolveSibling("redis-cli");
    List<RedisServer> nodes = new ArrayList<>();
    RedisCluster cluster = new RedisCluster(nodes, cli, security);
    try {
      for (int i = 0; i < masters * (1 + replicasPerMaster); i++) {
        int port = FreePorts.next();
        List<String> args = new ArrayList<>(List.of("--cluster-enabled", "yes",
            "--cluster-config-file", "nodes.conf", "--cluster-node-timeout", Integer.toString(NODE_TIMEOUT_MILLIS),
            "--cluster-port", Integer.toString(FreePorts.next()), "--cluster-require-full-coverage", "no"));
        args.addAll(security.serverArgs(port));
        nodes.add(security.tls().isPresent() ? RedisServer.startTlsOnly(server, port, args)
            : RedisServer.start(server, port, args));
      }
      List<String> create = new ArrayList<>(List.of("--cluster", "create"));
      nodes.forEach(n -> create.add("127.0.0.1:" + n.port()));
      create.addAll(List.of("--cluster-replicas", Integer.toString(replicasPerMaster), "--cluster-yes"));
      cluster.cli(nodes.get(0).port(), create.toArray(new String[0]));
      cluster.awaitHealthy(Duration.ofSeconds(60));
    } catch (RuntimeException e) {
      cluster.close();
      throw e;
    }
    LOG.info("Redis Cluster ready: {} masters, {} replicas each, seeds {}", masters, replicasPerMaster, cluster.seeds());
    return cluster;
  }

  /**
   * Waits until every live node says {@code cluster_state:ok} and knows a master for every slot,
   * and every live replica's link to its master is up.
   */
  public void awaitHealthy(Duration timeout) {
    long deadline = System.nanoTime() + timeout.toNanos();
    String last = "";
    while (System.nanoTime() < deadline) {
      boolean ok = true;
      for (RedisServer node : nodes) {
        if (node.isAlive()) {
          last = cli(node.port(), "cluster", "info");
          ok &= last.contains("cluster_state:ok") && last.contains("cluster_slots_assigned:16384");
          String replication = cli(node.port(), "info", "replication");
          ok &= replication.contains("role:master") || replication.contains("master_link_status:up");
        }
      }
      if (ok) {
        return;
      }
      sleep(50);
    }
    throw new IllegalStateException("the Redis Cluster did not become healthy within " + timeout + "; last CLUSTER INFO: " + last);
  }

  /** Every node, masters and replicas, in the order they were started. */
  public List<RedisServer> nodes() {
    return nodes;
  }

  /** {@code REDIS_CLUSTER_NODES}: every node as {@code 127.0.0.1:port}, comma-separated. */
  public String seeds() {
    return nodes.stream().map(n -> "127.0.0.1:" + n.port()).collect(Collectors.joining(","));
  }

  /** The live node that is master of {@code slot} now, by the view of any live node. */
  public RedisServer masterOf(int slot) {
    RedisServer master = mastersBySlot()[slot];
    if (master == null) {
      throw new IllegalStateException("no live master serves slot " + slot);
    }
    return master;
  }

  /**
   * The live master of every slot now (null where none serves it), by the view of any live node:
   * one {@code CLUSTER NODES}, for callers that ask about many slots.
   */
  public RedisServer[] mastersBySlot() {
    RedisServer[] masters = new RedisServer[16384];
    RedisServer asked = nodes.stream().filter(RedisServer::isAlive).findFirst()
        .orElseThrow(() -> new IllegalStateException("no node of the cluster is alive"));
    for (String line : cli(asked.port(), "cluster", "nodes").split("\n")) {
      String[] f = line.trim().split(" ");
      if (f.length < 9 || !f[2].contains("master") || f[2].contains("fail")) {
        continue;
      }
      int port = Integer.parseInt(f[1].substring(f[1].indexOf(':') + 1, f[1].indexOf('@')));
      RedisServer master = nodes.stream().filter(n -> n.port() == port).findFirst().orElseThrow();
      for (int i = 8; i < f.length; i++) {
        if (!f[i].startsWith("[")) { // a slot being migrated or imported: not served yet
          int dash = f[i].indexOf('-');
          int from = Integer.parseInt(dash < 0 ? f[i] : f[i].substring(0, dash));
          int to = dash < 0 ? from : Integer.parseInt(f[i].substring(dash + 1));
          java.util.Arrays.fill(masters, from, to + 1, master);
        }
      }
    }
    return masters;
  }

  /** Runs {@code redis-cli -p port args…}; its standard output. Fails when it fails. */
  public String cli(int port, String... args) {
    List<String> command = new ArrayList<>(List.of(cli.toString(), "-h", "127.0.0.1", "-p", Integer.toString(port)));
    command.addAll(security.cliArgs());
    command.addAll(List.of(args));
    try {
      Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
      byte[] out = p.getInputStream().readAllBytes();
      if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
        throw new IllegalStateException(String.join(" ", command) + " failed: " + new String(out, StandardCharsets.UTF_8));
      }
      return new String(out, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new IllegalStateException("cannot run " + cli, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted running " + cli, e);
    }
  }

  private static void sleep(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
    }
  }

  @Override
  public void close() {
    nodes.forEach(RedisServer::close);
  }
}
