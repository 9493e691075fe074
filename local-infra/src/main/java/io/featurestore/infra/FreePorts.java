package io.featurestore.infra;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.util.concurrent.ThreadLocalRandom;
import java.util.stream.IntStream;

/** Free TCP ports on loopback, for servers that must be told their port up front. */
public final class FreePorts {
  /** Below Linux' default ephemeral range (32768-60999), which {@link #next()} draws from. */
  private static final int CONSECUTIVE_FROM = 20000;
  private static final int CONSECUTIVE_TO = 32000;

  private FreePorts() {}

  public static int next() {
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      socket.setReuseAddress(true);
      return socket.getLocalPort();
    } catch (IOException e) {
      throw new UncheckedIOException("no free loopback port", e);
    }
  }

  /**
   * The first of {@code count} consecutive free ports, for a program told "port P and the ones
   * after it" (the local stack's cluster nodes). Taken below the ephemeral range, so that neither
   * {@link #next()} nor an outgoing connection's local port lands on one of them before they are
   * bound.
   */
  public static int consecutive(int count) {
    for (int attempt = 0; attempt < 200; attempt++) {
      int first = ThreadLocalRandom.current().nextInt(CONSECUTIVE_FROM, CONSECUTIVE_TO - count);
      if (IntStream.range(first, first + count).allMatch(FreePorts::isFree)) {
        return first;
      }
    }
    throw new IllegalStateException("no " + count + " consecutive free loopback ports in "
        + CONSECUTIVE_FROM + "-" + CONSECUTIVE_TO);
  }

  private static boolean isFree(int port) {
    try (ServerSocket socket = new ServerSocket(port, 1, InetAddress.getLoopbackAddress())) {
      return true;
    } catch (IOException e) {
      return false;
    }
  }
}
