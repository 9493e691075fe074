package io.featurestore.bench;

import java.io.IOException;
import java.io.PrintWriter;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.List;
import java.util.function.DoubleSupplier;

/** The machine a benchmark runs on: the lines every report starts with, and where the CPU time went. */
final class Machine {
  private Machine() {}

  static void header(PrintWriter out, String benchmark) {
    out.printf("%s benchmark, %s%nmachine   : %d cores (nproc), %s, Java %s, max heap %d MB, load average %s%n", benchmark,
        LocalDate.now(), Runtime.getRuntime().availableProcessors(), cpuModel(), System.getProperty("java.version"),
        Runtime.getRuntime().maxMemory() >> 20, loadAverage());
  }

  static String loadAverage() {
    try {
      return String.join(" ", List.of(Files.readString(Path.of("/proc/loadavg")).trim().split("\\s+")).subList(0, 3));
    } catch (IOException | RuntimeException e) {
      return "unknown";
    }
  }

  static String cpuModel() {
    try {
      return Files.readAllLines(Path.of("/proc/cpuinfo")).stream().filter(l -> l.startsWith("model name"))
          .map(l -> l.substring(l.indexOf(':') + 1).trim()).findFirst().orElse("unknown CPU");
    } catch (IOException | RuntimeException e) {
      return System.getProperty("os.arch");
    }
  }

  static double processCpuSeconds() {
    return ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.OperatingSystemMXBean os
        ? os.getProcessCpuTime() / 1e9 : Double.NaN;
  }

  /** CPU seconds the whole machine spent busy (all cores; /proc/stat), NaN where unknown. */
  static double machineCpuSeconds() {
    try {
      String[] f = Files.readAllLines(Path.of("/proc/stat")).get(0).trim().split("\\s+");
      long busy = 0; // cpu user nice system idle iowait irq softirq steal ...; in USER_HZ (100 on Linux) ticks
      for (int i : new int[] {1, 2, 3, 6, 7, 8}) {
        busy += Long.parseLong(f[i]);
      }
      return busy / 100.0;
    } catch (IOException | RuntimeException e) {
      return Double.NaN;
    }
  }

  /**
   * CPU seconds at one instant of the parties a benchmark measures (its child processes,
   * redis-server), of this JVM and of the whole machine. Two of them give the cores each kept
   * busy, and "other": what none of them used, non-zero when something else ran on the machine.
   */
  record Cpu(long nanos, double[] parties, double bench, double machine) {
    static Cpu now(DoubleSupplier... parties) {
      double[] cpu = new double[parties.length];
      for (int i = 0; i < cpu.length; i++) {
        cpu[i] = parties[i].getAsDouble();
      }
      return new Cpu(System.nanoTime(), cpu, processCpuSeconds(), machineCpuSeconds());
    }

    double seconds(Cpu later) {
      return (later.nanos - nanos) / 1e9;
    }

    /** CPU seconds party {@code i} used until {@code later}; {@code i = parties().length} is this JVM. */
    double used(Cpu later, int i) {
      return i < parties.length ? later.parties[i] - parties[i] : later.bench - bench;
    }

    /** Cores busy until {@code later}: each party, this JVM, then the rest of the machine. */
    double[] busy(Cpu later) {
      double[] busy = new double[parties.length + 2];
      for (int i = 0; i <= parties.length; i++) {
        busy[i] = used(later, i) / seconds(later);
        busy[parties.length + 1] -= busy[i];
      }
      busy[parties.length + 1] = Math.max(0, busy[parties.length + 1] + (later.machine - machine) / seconds(later));
      return busy;
    }
  }
}
