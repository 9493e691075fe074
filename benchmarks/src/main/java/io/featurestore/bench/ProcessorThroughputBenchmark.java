package io.featurestore.bench;

import io.featurestore.cli.Numbers;
import io.featurestore.core.FeatureRegistry;
import io.featurestore.core.FeatureStore;
import io.featurestore.core.StreamingUpdate;
import io.featurestore.events.Event;
import io.featurestore.events.LoginEvent;
import io.featurestore.events.TransactionEvent;
import io.featurestore.infra.ChildProcess;
import io.featurestore.population.Merchants;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.Callable;
import java.util.function.DoubleSupplier;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import redis.clients.jedis.RedisClient;

/** The stream processor on a backlog of N events; see docs/BENCHMARKS.md, "Stream processor throughput". */
@Command(name = "processor-throughput", mixinStandardHelpOptions = true,
    description = "Stream processor on N pre-produced events vs a plain consumer and the raw Redis sink; exits 0 either way.")
public final class ProcessorThroughputBenchmark implements Callable<Integer> {
  private static final String KEY_PREFIX = "bench:stream:";
  /** The raw sink baseline's keys, apart from the processor's. */
  private static final String SINK_PREFIX = "bench:sink:";
  /** The other entities' keys ({@code bench:stream-merchant:}): see {@link BenchRedis#registryFile}. */
  private static final String OTHERS_PREFIX = "bench:stream-";
  private static final double TARGET = 50_000;
  /** Give up on a run, or on the plain consumer, after this long. */
  private static final Duration TIMEOUT = Duration.ofSeconds(900);

  @Option(names = "--events", converter = Numbers.Positive.class, description = "Events produced per run (default ${DEFAULT-VALUE}).")
  long events = 1_000_000;
  @Mixin
  Options.Runs runs = new Options.Runs(7);
  @Mixin
  Options.Events shape;
  @Mixin
  Options.Redis redisOptions;
  @Mixin
  Options.Stream stream;
  @Option(names = "--skip-baselines", description = "Measure only the processor.")
  boolean skipBaselines;
  @Option(names = "--verify-users",
      description = "Users checked against the produced events after each run, 0 = off (default ${DEFAULT-VALUE}).")
  int verifyUsers = 5000;
  @Option(names = "--instances", split = ",", defaultValue = "1", paramLabel = "N[,N…]", description = "Processor instances"
      + " (processes of one consumer group) per phase; each run measures its backlog with each in turn (default ${DEFAULT-VALUE}).")
  List<Integer> instances;
  @Option(names = "--registries", split = ",", defaultValue = "bundled", paramLabel = "NAME|FILE", description = "Registries"
      + " the processor computes (FS_REGISTRY_FILE), each run measuring its backlog with each in turn: bundled (this build's),"
      + " five (only the first processor's five user stream features), or a registry YAML file (default ${DEFAULT-VALUE}).")
  List<String> registryNames;
  @CommandLine.Spec
  CommandLine.Model.CommandSpec spec;

  /** A registry the processor runs with: its name, the copy it is given, that copy parsed. */
  private record Registry(String name, Path file, FeatureRegistry registry) {}

  /**
   * One phase of a run: its registry/instances, its row of figures, the CPU while the processor
   * ran, its CPU by thread group, the split.
   */
  private record Run(String key, double[] figures, double[] cpu, Map<String, Double> threadCpu, String split) {}

  @Override
  public Integer call() throws Exception {
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    try (Workspace workspace = new Workspace("throughput", stream.keepLogs, err);
         BenchRedis redis = new BenchRedis(redisOptions, err, KEY_PREFIX, SINK_PREFIX, OTHERS_PREFIX)) {
      if (instances.stream().anyMatch(n -> n < 1 || n > stream.partitions)) {
        throw new CommandLine.ParameterException(spec.commandLine(), "--instances must be 1.." + stream.partitions);
      }
      List<Registry> registries = new ArrayList<>();
      for (String name : registryNames) {
        Path file = workspace.dir.resolve("registry-" + registries.size() + ".yaml");
        registries.add(new Registry(Path.of(name).getFileName().toString().replaceFirst("\\.ya?ml$", ""), file,
            BenchRedis.registryFile(name, file, KEY_PREFIX, OTHERS_PREFIX)));
      }
      redis.reset();
      Machine.header(out, "processor-throughput");
      StreamRig.describe(out, redis, stream, KEY_PREFIX, true);
      for (Registry r : registries) {
        out.printf("registry  : %s: %s (FS_REGISTRY_FILE: a copy with the other entities under %s<entity>:)%n", r.name(),
            BenchRedis.streamFeatures(r.registry()), OTHERS_PREFIX);
      }
      out.printf("events    : %,d per run over %,d users (%.0f%% transactions, %.0f%% failed logins, rest successful logins),"
          + " transactions at %,d merchants by Zipf popularity, event times within the last 2 s when produced, with the"
          + " event simulator's producer settings%n", events, shape.users, SyntheticEvents.TX_SHARE * 100,
          SyntheticEvents.FAILED_LOGIN_SHARE * 100, shape.merchants);
      out.printf("baselines : plain KafkaConsumer reading the same %,d records (this JVM, max.poll.records 1000);"
          + " FeatureStore.writeStreaming of %,d updates, chunks of 500, 1 thread (the processor's sink)%n%n", events, events);
      Table table = new Table("run/registry/n:18", "produce/s:0", "consume/s:0", "sink upd/s:0", "processor/s:0",
          "steady/s:0", "wall s:2", "start s:2", "Redis writes:0", "checked:0", "merchants:0", "mismatches:0");
      table.header(out);
      List<Run> results = new ArrayList<>();
      List<String> labels = new ArrayList<>();
      for (int i = 1; i <= runs.runs; i++) {
        for (Run phase : runOnce(i, workspace.dir.resolve("run-" + i), redis, registries)) {
          labels.add(i + "/" + phase.key());
          table.row(out, labels.get(labels.size() - 1), phase.figures());
          results.add(phase);
        }
      }
      Map<String, double[]> med = new LinkedHashMap<>();
      for (String key : results.stream().map(Run::key).distinct().toList()) {
        med.put(key, Stats.medians(results.stream().filter(r -> r.key().equals(key)).map(Run::figures).toList()));
        table.row(out, "median/" + key, med.get(key));
      }
      out.println("(columns of this table and the next two: docs/BENCHMARKS.md, \"Stream processor throughput\","
          + " \"The printed tables\")");
      out.println();
      med.forEach((key, m) -> {
        if (!skipBaselines) {
          out.printf("%s: ratio processor / plain consumer %.3f, / raw Redis sink %.3f (sink updates/s;"
              + " %.2f Redis writes per event)%n", key, m[3] / m[1], m[3] / m[2], m[7] / events);
        }
      });
      out.println();
      out.println("where the CPU went while the processor ran (processor = all its instances):");
      Table cpu = new Table("run/registry/n:18", "processor:2", "broker:2", "redis:2", "other:2", "proc us:2", "broker us:2",
          "redis us:2");
      cpu.header(out);
      for (int i = 0; i < results.size(); i++) {
        cpu.row(out, labels.get(i), results.get(i).cpu());
      }
      med.keySet().forEach(key -> cpu.row(out, "median/" + key,
          Stats.medians(results.stream().filter(r -> r.key().equals(key)).map(Run::cpu).toList())));
      out.println("processor CPU by thread group, us per event; then how the instances split the partitions (their /health):");
      for (int i = 0; i < results.size(); i++) {
        StringBuilder line = new StringBuilder(String.format("%-18s", labels.get(i)));
        results.get(i).threadCpu().forEach((group, s) -> line.append(String.format(" %s %.2f", group, s / events * 1e6)));
        out.println(line + "\n    " + results.get(i).split());
      }
      out.println();
      String first = med.keySet().iterator().next();
      med.forEach((key, m) -> out.printf("median processor throughput, %s (registry/instances): %,.0f events/s (target >= %,.0f)"
          + " %s%s%s%n", key, m[3], TARGET, Stats.verdict(m[3] >= TARGET), skipBaselines ? ""
              : String.format("; %.3f of the raw sink", m[3] / m[2]), key.equals(first) ? ""
              : String.format("; %.3f x %s", m[3] / med.get(first)[3], first)));
      double bad = results.stream().mapToDouble(r -> r.figures()[10]).sum();
      if (bad > 0) {
        out.printf("WARNING: %.0f checked users or merchants had features that do not match the produced events%n", bad);
      }
      out.flush();
      workspace.succeeded();
      return 0;
    }
  }

  private List<Run> runOnce(int runNo, Path dir, BenchRedis redis, List<Registry> registries) {
    redis.reset();
    // Without the wait, the first instance to join takes every task and starts alone; Kafka Streams then moves only
    // the tasks whose changelog the newcomer can catch up with quickly, and the split stays uneven.
    try (StreamRig rig = new StreamRig(stream, dir, instances.stream().anyMatch(n -> n > 1) ? 3000 : 0)) {
      // 1. The backlog.
      SyntheticEvents generated = shape.generator(runs.seed + runNo, verifyUsers > 0);
      double produceRate = produce(rig.bootstrapServers, generated);
      if (rig.endOffsets() != events) {
        throw new IllegalStateException("the topics hold " + rig.endOffsets() + " records, not " + events);
      }
      // 2. Baselines on the same broker and Redis.
      double consumeRate = skipBaselines ? Double.NaN : plainConsume(rig);
      double sinkRate = skipBaselines ? Double.NaN : rawSink(redis.url, runNo);
      List<Run> phases = new ArrayList<>();
      for (Registry registry : registries) {
        for (int n : instances) {
          phases.add(phase(rig, redis, generated, registry, n, new double[] {produceRate, consumeRate, sinkRate}));
        }
      }
      return phases;
    } catch (RuntimeException e) {
      spec.commandLine().getErr().println("run " + runNo + " failed; logs in " + dir);
      throw e;
    } finally {
      Workspace.deleteData(dir); // the run's Kafka data and processor state; its logs are small
      redis.reset();
    }
  }

  /**
   * 3. The processor's {@code n} instances with {@code registry} on the backlog, from a fresh application id (from the
   * beginning, empty state), until every input record and every record of its repartition topics is committed.
   */
  private Run phase(StreamRig rig, BenchRedis redis, SyntheticEvents generated, Registry registry, int n, double[] baselines) {
    redis.reset();
    System.gc();
    long spawned = System.nanoTime();
    rig.startProcessor(redis.url, KEY_PREFIX, registry.file(), "throughput", n);
    long running = rig.awaitRunning();
    long before = rig.committed(); // by an instance that began before the others joined
    List<List<String>> split = new ArrayList<>();
    double[] instanceCpu = new double[n];
    for (int k = 0; k < n; k++) {
      split.add(rig.partitions(k));
      instanceCpu[k] = -rig.processors.get(k).cpuSeconds();
    }
    Map<String, Double> threads0 = rig.processorThreadCpu();
    DoubleSupplier processorCpu = () -> rig.processors.stream().mapToDouble(ChildProcess::cpuSeconds).sum();
    Machine.Cpu cpu0 = Machine.Cpu.now(processorCpu, rig.broker::cpuSeconds, redis::cpuSeconds);
    long[] at = {-1, -1, -1}; // 10 %, 90 % and all of the events committed
    rig.processor.await("the processor to commit all " + events + " events", TIMEOUT, () -> {
      long committed = rig.committed();
      long now = System.nanoTime();
      at[0] = at[0] < 0 && committed >= events / 10 ? now : at[0];
      at[1] = at[1] < 0 && committed >= events * 9 / 10 ? now : at[1];
      at[2] = committed >= events && rig.repartitionLag() == 0 ? now : -1;
      return at[2] >= 0;
    });
    Machine.Cpu cpu1 = Machine.Cpu.now(processorCpu, rig.broker::cpuSeconds, redis::cpuSeconds);
    Map<String, Double> threadCpu = new TreeMap<>(rig.processorThreadCpu());
    threadCpu.replaceAll((group, seconds) -> seconds - threads0.getOrDefault(group, 0.0));
    StringBuilder splitText = new StringBuilder();
    double applied = 0, late = 0, dead = 0, writes = 0;
    String user = registry.registry().entityName(); // its events are the input events, each counted once
    for (int k = 0; k < n; k++) {
      PrometheusText metrics = rig.metrics(k);
      double mine = metrics.sum("fs_processor_events_total", "entity", user);
      applied += mine;
      late += metrics.sum("fs_processor_late_events_total"); // of any entity: none may be late
      dead += metrics.sum("fs_processor_dead_letters_total");
      writes += metrics.sum("fs_processor_sink_flush_users_sum");
      List<String> now = rig.partitions(k);
      splitText.append(String.format("pid %d: %s%s, %,.0f events (+ %,.0f for other entities), %,.0f replayed, %.1f s CPU; ",
          rig.processors.get(k).pid(), split.get(k), now.equals(split.get(k)) ? "" : " then " + now, mine,
          metrics.sum("fs_processor_events_total") - mine, metrics.sum("fs_processor_replayed_events_total", "entity", user),
          instanceCpu[k] + rig.processors.get(k).cpuSeconds()));
    }
    if (applied != events || late != 0 || dead != 0) {
      throw new IllegalStateException(String.format("the processor applied %.0f events (%.0f late, %.0f dead letters),"
          + " expected %d valid in-window events", applied, late, dead, events));
    }
    rig.processors.forEach(instance -> instance.stop(Duration.ofSeconds(40)));
    int[] verified = verify(redis.url, generated, registry.registry());
    double seconds = (at[2] - running) / 1e9;
    double[] busy = cpu0.busy(cpu1);
    return new Run(registry.name() + "/" + n, new double[] {baselines[0], baselines[1], baselines[2],
        (events - before) / seconds, events * 0.8 / ((at[1] - at[0]) / 1e9), seconds, (running - spawned) / 1e9,
        Math.round(writes), verified[0], verified[1], verified[2]}, new double[] {busy[0], busy[1], busy[2], busy[4],
            cpu0.used(cpu1, 0) / events * 1e6, cpu0.used(cpu1, 1) / events * 1e6, cpu0.used(cpu1, 2) / events * 1e6},
        threadCpu,
        splitText + String.format("%,d committed at the start; %d of %d checked users and %d merchants mismatched", before,
            verified[2], verified[0], verified[1]));
  }

  /** Produces the backlog; returns events/s (informational). */
  private double produce(String bootstrapServers, SyntheticEvents generated) {
    long start = System.nanoTime();
    try (EventSender sender = new EventSender(bootstrapServers, "bench-backlog")) {
      for (long n = 0; n < events && sender.error() == null; n++) {
        // Event times just behind the wall clock, so every event is inside its window when processed.
        sender.send(generated.next(System.currentTimeMillis() - (n % 2000)));
      }
      sender.flush();
      sender.requireNoError("producing the backlog");
      if (sender.acked.get() != events) {
        throw new IllegalStateException("producing the backlog: " + sender.acked.get() + " of " + events + " acknowledged");
      }
      return events / ((System.nanoTime() - start) / 1e9);
    }
  }

  /** Baseline: a plain consumer (no group, no processing) reads the same records from the start. */
  private double plainConsume(StreamRig rig) {
    Map<String, Object> p = Map.of(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, rig.bootstrapServers,
        ConsumerConfig.CLIENT_ID_CONFIG, "bench-plain-consumer", ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false,
        ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 1000); // Kafka Streams' default
    ByteArrayDeserializer raw = new ByteArrayDeserializer();
    try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(p, raw, raw)) {
      consumer.assign(rig.inputPartitions());
      consumer.seekToBeginning(rig.inputPartitions());
      long start = System.nanoTime();
      long deadline = start + TIMEOUT.toNanos();
      long count = 0;
      long bytes = 0;
      while (count < events) {
        for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(100))) {
          bytes += r.value().length;
          count++;
        }
        if (System.nanoTime() > deadline) {
          throw new IllegalStateException("the plain consumer read " + count + " of " + events + " records");
        }
      }
      double seconds = (System.nanoTime() - start) / 1e9;
      if (bytes <= 0) {
        throw new IllegalStateException("no bytes read");
      }
      return count / seconds;
    }
  }

  /**
   * Baseline: the processor's Redis sink alone, one update per event (what the sink would
   * need if no two events of a user met in one flush), shaped like the processor's: a
   * transaction sets tx_count_5m, a failed login failed_logins_15m, a successful login the
   * three last_* fields; chunks of 500 (SinkBuffer's), one thread.
   */
  private double rawSink(String url, int runNo) {
    SyntheticEvents generated = shape.generator(runs.seed + runNo, false);
    try (FeatureStore sink = FeatureStore.connect(url, BenchRedis.registry(SINK_PREFIX))) {
      List<StreamingUpdate> chunk = new ArrayList<>(500);
      long now = System.currentTimeMillis();
      long start = System.nanoTime();
      for (long n = 0; n < events; n++) {
        Event event = generated.next(now);
        Map<String, Object> values = new HashMap<>();
        if (event instanceof TransactionEvent) {
          values.put("tx_count_5m", 1 + (n & 7));
        } else if (event instanceof LoginEvent login && login.success()) {
          values.put("last_login_ts", login.ts());
          values.put("last_device_id", login.deviceId());
          values.put("session_country", login.country());
        } else {
          values.put("failed_logins_15m", 1 + (n & 3));
        }
        chunk.add(new StreamingUpdate(event.userId(), values, Set.of()));
        if (chunk.size() == 500 || n == events - 1) {
          sink.streamingWriter().writeStreaming(chunk);
          chunk.clear();
        }
      }
      double rate = events / ((System.nanoTime() - start) / 1e9);
      sink.admin().reset();
      return rate;
    }
  }

  /**
   * Checks, untimed, a sample of users against the produced events: tx_count_5m,
   * failed_logins_15m (absent = 0), last_login_ts, last_device_id and session_country; and when
   * {@code registry} declares merchant_tx_count_1h, the busiest 5 merchants and every tenth one
   * (all their transactions are within the hour). Returns {users checked, merchants checked, mismatches}.
   */
  private int[] verify(String url, SyntheticEvents generated, FeatureRegistry registry) {
    int step = Math.toIntExact(Math.max(1, shape.users / Math.max(1, verifyUsers)));
    PrintWriter err = spec.commandLine().getErr();
    int checked = 0;
    int bad = 0;
    Set<Long> merchants = new TreeSet<>();
    try (RedisClient client = RedisClient.create(url)) {
      for (int i = 0; i < shape.users && checked < verifyUsers; i += step, checked++) {
        List<String> v = client.hmget(registry.keyOf(SyntheticEvents.userId(i)), "tx_count_5m", "failed_logins_15m",
            "last_login_ts", "last_device_id", "session_country");
        String device = generated.expectedLastDevice(i);
        boolean ok = parse(v.get(0)) == generated.expectedTxCount(i) && parse(v.get(1)) == generated.expectedFailedLogins(i)
            && parse(v.get(2)) == generated.expectedLastLoginTs(i) && Objects.equals(v.get(3), device)
            && Objects.equals(v.get(4), device == null ? null : SyntheticEvents.country(i));
        if (!ok && bad++ < 5) {
          err.printf("mismatch for %s: Redis %s, expected tx %d failed %d last_login_ts %d device %s%n",
              SyntheticEvents.userId(i), v, generated.expectedTxCount(i), generated.expectedFailedLogins(i),
              generated.expectedLastLoginTs(i), device);
        }
      }
      if (verifyUsers > 0 && registry.declaredFeature("merchant", "merchant_tx_count_1h").isPresent()) {
        Merchants.Popularity popularity = generated.merchants();
        merchants.addAll(popularity.busiest(5));
        for (long m = 1; m <= popularity.count(); m += Math.max(1, popularity.count() / 10)) {
          merchants.add(m);
        }
        FeatureRegistry merchant = registry.forEntity("merchant");
        for (long m : merchants) {
          String v = client.hget(merchant.keyOf(Merchants.merchantId(m)), "merchant_tx_count_1h");
          if (parse(v) != generated.expectedMerchantTxCount(m) && bad++ < 5) {
            err.printf("mismatch for merchant %s: merchant_tx_count_1h %s in Redis, expected %d%n", Merchants.merchantId(m),
                v, generated.expectedMerchantTxCount(m));
          }
        }
      }
    }
    return new int[] {checked, merchants.size(), bad};
  }

  private static long parse(String s) {
    return s == null ? 0 : Long.parseLong(s);
  }
}
