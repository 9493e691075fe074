package io.featurestore.bench;

import java.io.Closeable;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import org.HdrHistogram.Histogram;

/**
 * The serving benchmark's HTTP/1.1 load (docs/BENCHMARKS.md, "Serving API"): a blocking keep-alive
 * socket per connection and thread, one request in flight, so that no client selector or pool
 * adds to the measured latency on a two-core machine. Open loop at a fixed rate, latency from the
 * intended send time (no coordinated omission); closed loop when the rate is 0.
 */
final class HttpLoad {
  /** Sleep until this close to the due time, then spin: parkNanos alone wakes 50-100 us late. */
  private static final long SPIN_NANOS = 100_000;

  private HttpLoad() {}

  /** Latencies (microseconds) and counts of one phase. */
  static final class Result {
    final Histogram latency = Stats.histogram(60);
    /** From the actual send; in the closed loop the same as {@link #latency}. */
    final Histogram service = Stats.histogram(60);
    /** How late the sender was against the schedule (open loop only). */
    final Histogram lag = Stats.histogram(60);
    /** The server's own {@code Server-Timing: store;dur=} (Redis round trip and decoding). */
    final Histogram store = Stats.histogram(60);
    /** Answered with 200 in the measured window. */
    long requests;
    /** Every exchange of the phase, warm-up included (for CPU per request). */
    long exchanged;
    long errors;
    long reconnects;
    double seconds;
    String firstError;

    double throughput() {
      return requests / seconds;
    }

    synchronized void add(Result other) {
      latency.add(other.latency);
      service.add(other.service);
      lag.add(other.lag);
      store.add(other.store);
      requests += other.requests;
      exchanged += other.exchanged;
      errors += other.errors;
      reconnects += other.reconnects;
      firstError = firstError == null ? other.firstError : firstError;
    }
  }

  /**
   * Sends {@code requests} (picked at random) over {@code connectionCount} connections for
   * {@code warmupNanos}, not recorded, then {@code measureNanos}: open loop at {@code rate}
   * requests/s, or closed loop when {@code rate} is 0.
   */
  static Result run(String host, int port, byte[][] requests, int connectionCount, long rate, long warmupNanos,
      long measureNanos) throws InterruptedException {
    List<Connection> connections = new ArrayList<>();
    try {
      for (int i = 0; i < connectionCount; i++) {
        connections.add(new Connection(host, port));
      }
    } catch (IOException e) {
      connections.forEach(Connection::close);
      throw new IllegalStateException("cannot connect to " + host + ":" + port + ": " + e.getMessage(), e);
    }
    long warmSlots = rate * warmupNanos / 1_000_000_000L;
    long totalSlots = warmSlots + rate * measureNanos / 1_000_000_000L;
    AtomicLong nextSlot = new AtomicLong();
    Result total = new Result();
    CountDownLatch ready = new CountDownLatch(connectionCount);
    CountDownLatch go = new CountDownLatch(1);
    long[] times = new long[4]; // start, first measured instant, end (closed loop), last answer
    List<Thread> threads = new ArrayList<>();
    for (Connection connection : connections) {
      Thread thread = new Thread(() -> {
        Result mine = new Result();
        ThreadLocalRandom random = ThreadLocalRandom.current();
        ready.countDown();
        try {
          go.await();
        } catch (InterruptedException e) {
          return;
        }
        long done = 0;
        while (true) {
          long intended;
          boolean recorded;
          if (rate > 0) {
            long slot = nextSlot.getAndIncrement();
            if (slot >= totalSlots) {
              break;
            }
            intended = times[0] + slot * 1_000_000_000L / rate;
            waitUntil(intended);
            recorded = slot >= warmSlots;
          } else {
            intended = System.nanoTime();
            if (intended >= times[2]) {
              break;
            }
            recorded = intended >= times[1];
          }
          byte[] request = requests[random.nextInt(requests.length)];
          long sent = rate > 0 ? System.nanoTime() : intended;
          boolean ok = connection.exchange(request, mine);
          done = System.nanoTime();
          mine.exchanged++;
          if (recorded && ok) {
            mine.requests++;
            mine.latency.recordValue(Math.min((done - intended + 999) / 1000, mine.latency.getHighestTrackableValue()));
            mine.service.recordValue(Math.min((done - sent + 999) / 1000, mine.service.getHighestTrackableValue()));
            if (rate > 0) {
              mine.lag.recordValue(Math.min(Math.max(0, sent - intended) / 1000, mine.lag.getHighestTrackableValue()));
            }
            if (connection.storeMicros >= 0) {
              mine.store.recordValue(Math.min(Math.max(connection.storeMicros, 1), mine.store.getHighestTrackableValue()));
            }
          } else if (recorded) {
            mine.errors++;
          }
        }
        synchronized (times) {
          times[3] = Math.max(times[3], done);
        }
        total.add(mine);
      }, (rate > 0 ? "paced-" : "load-") + threads.size());
      thread.setDaemon(true);
      threads.add(thread);
      thread.start();
    }
    ready.await();
    times[0] = System.nanoTime() + 20_000_000L;
    times[1] = times[0] + warmupNanos;
    times[2] = times[1] + measureNanos;
    go.countDown();
    for (Thread thread : threads) {
      thread.join();
    }
    // Open loop: recorded requests over the time from the first measured slot to the last answer.
    total.seconds = rate > 0 ? Math.max(measureNanos, times[3] - times[1]) / 1e9 : measureNanos / 1e9;
    connections.forEach(Connection::close);
    return total;
  }

  private static void waitUntil(long deadline) {
    for (long remaining; (remaining = deadline - System.nanoTime()) > 0; ) {
      if (remaining > SPIN_NANOS) {
        LockSupport.parkNanos(remaining - SPIN_NANOS);
      } else {
        Thread.onSpinWait();
      }
    }
  }

  static byte[] get(String host, int port, String path) {
    return ("GET " + path + " HTTP/1.1\r\nHost: " + host + ":" + port + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII);
  }

  static byte[] postJson(String host, int port, String path, String json) {
    return ("POST " + path + " HTTP/1.1\r\nHost: " + host + ":" + port + "\r\nContent-Type: application/json"
        + "\r\nContent-Length: " + json.getBytes(StandardCharsets.UTF_8).length + "\r\n\r\n" + json)
        .getBytes(StandardCharsets.UTF_8);
  }

  /**
   * One keep-alive connection. Not thread-safe: one thread owns it. A broken connection is
   * reopened (and counted); the request that met it counts as an error.
   */
  static final class Connection implements Closeable {
    private static final String CONTENT_LENGTH = "content-length:";
    private static final String CONNECTION_CLOSE = "connection: close";
    private static final String SERVER_TIMING = "server-timing: store;dur=";

    private final String host;
    private final int port;
    private Socket socket;
    private OutputStream out;
    private InputStream in;
    private final byte[] buf = new byte[64 * 1024];
    private int pos;
    private int lim;
    private final byte[] line = new byte[8 * 1024];
    /** Status and Server-Timing (microseconds, -1 when absent) of the last answer; its body if {@code keepBody}. */
    int status;
    long storeMicros;
    boolean keepBody;
    byte[] body;

    Connection(String host, int port) throws IOException {
      this.host = host;
      this.port = port;
      connect();
    }

    private void connect() throws IOException {
      Socket s = new Socket();
      s.setTcpNoDelay(true);
      s.connect(new InetSocketAddress(host, port), 5_000);
      s.setSoTimeout(30_000);
      socket = s;
      out = s.getOutputStream();
      in = s.getInputStream();
      pos = 0;
      lim = 0;
    }

    /** Sends one request and reads its answer; true for a 200. Errors are counted into {@code result}. */
    boolean exchange(byte[] request, Result result) {
      try {
        out.write(request);
        readResponse();
        if (status == 200) {
          return true;
        }
        note(result, "HTTP " + status);
      } catch (IOException e) {
        note(result, e.toString());
        result.reconnects++;
        close();
        try {
          connect();
        } catch (IOException again) {
          note(result, "reconnect failed: " + again);
        }
      }
      return false;
    }

    private static void note(Result result, String what) {
      result.firstError = result.firstError == null ? what : result.firstError;
    }

    private void readResponse() throws IOException {
      String statusLine = readLine();
      if (!statusLine.startsWith("HTTP/") || statusLine.length() < 12 || statusLine.charAt(8) != ' ') {
        throw new IOException("not an HTTP status line: " + statusLine);
      }
      status = Integer.parseInt(statusLine.substring(9, 12));
      long length = -1;
      boolean closeAfter = false;
      storeMicros = -1;
      for (String header = readLine(); !header.isEmpty(); header = readLine()) {
        if (header.regionMatches(true, 0, CONTENT_LENGTH, 0, CONTENT_LENGTH.length())) {
          length = Long.parseLong(header.substring(CONTENT_LENGTH.length()).trim());
        } else if (header.regionMatches(true, 0, SERVER_TIMING, 0, SERVER_TIMING.length())) {
          storeMicros = Math.round(Double.parseDouble(header.substring(SERVER_TIMING.length()).trim()) * 1000);
        } else {
          closeAfter |= header.regionMatches(true, 0, CONNECTION_CLOSE, 0, CONNECTION_CLOSE.length());
        }
      }
      if (length < 0) {
        throw new IOException("answer without Content-Length (status " + status + ")");
      }
      body = keepBody ? new byte[(int) length] : null;
      for (int off = 0; off < length; ) {
        if (pos == lim) {
          fill();
        }
        int take = (int) Math.min(lim - pos, length - off);
        if (body != null) {
          System.arraycopy(buf, pos, body, off, take);
        }
        pos += take;
        off += take;
      }
      if (closeAfter) {
        throw new IOException("the server closed the keep-alive connection (status " + status + ")");
      }
    }

    private void fill() throws IOException {
      int n = in.read(buf, 0, buf.length);
      if (n < 0) {
        throw new EOFException("connection closed by the server");
      }
      pos = 0;
      lim = n;
    }

    /** One header line, without its CRLF. */
    private String readLine() throws IOException {
      for (int n = 0; ; n++) {
        if (pos == lim) {
          fill();
        }
        byte b = buf[pos++];
        if (b == '\n') {
          return new String(line, 0, n > 0 && line[n - 1] == '\r' ? n - 1 : n, StandardCharsets.ISO_8859_1);
        }
        if (n == line.length) {
          throw new IOException("header line longer than " + line.length + " bytes");
        }
        line[n] = b;
      }
    }

    @Override
    public void close() {
      try {
        if (socket != null) {
          socket.close();
        }
      } catch (IOException e) {
        // closing
      }
    }
  }
}
