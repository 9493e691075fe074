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
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import org.HdrHistogram.Histogram;

/**
 * A small HTTP/1.1 load generator for the serving benchmark: one plain socket per
 * connection, kept alive for the whole phase, one request in flight per connection (no
 * pipelining, as a real client does), the request bytes built in advance, the response
 * read by its {@code Content-Length} and thrown away. Latencies go to HdrHistograms in
 * microseconds, one per thread, merged at the end.
 *
 * <p>Why not {@code java.net.http.HttpClient} or Jetty's client: both are asynchronous
 * clients with their own selector threads, connection pools and per-request objects; on a
 * two-core machine that shares its CPU with the server under test, that overhead and its
 * scheduling hops land in the measured latency. A blocking socket per connection costs one
 * {@code write} and usually one {@code read} system call per request, and it is plain what
 * a keep-alive connection is (the generator counts every reconnect).
 *
 * <p>Two modes:
 * <ul>
 *   <li>{@link #fixedRate}: open loop. Request {@code i} is due at {@code t0 + i/rate}; a free
 *   connection waits until then and sends it. Latency is taken from the <em>intended</em> send
 *   time, so a stall that delays later requests is charged to them (no coordinated omission),
 *   and the service time (from the actual send) and the sender's lag are kept apart.</li>
 *   <li>{@link #closedLoop}: {@code concurrency} connections, each sending its next request as
 *   soon as the previous answer is in: the saturation throughput at that concurrency.</li>
 * </ul>
 */
final class HttpLoad {
  /** Sleep until this close to the due time, then spin: parkNanos alone wakes 50-100 us late. */
  private static final long SPIN_NANOS = 100_000;
  private static final long HIGHEST_MICROS = TimeUnit.SECONDS.toMicros(60);

  private HttpLoad() {}

  /** Latencies and counts of one phase. All histograms are in microseconds. */
  static final class Result {
    final Histogram latency = histogram();
    /** From the actual send (fixed rate only; in the closed loop it equals {@link #latency}). */
    final Histogram service = histogram();
    /** How late the sender was against the schedule (fixed rate only). */
    final Histogram lag = histogram();
    /** The server's own {@code Server-Timing: store;dur=} (Redis round trip and decoding). */
    final Histogram store = histogram();
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
      if (firstError == null) {
        firstError = other.firstError;
      }
    }
  }

  static Histogram histogram() {
    return new Histogram(HIGHEST_MICROS, 3);
  }

  /**
   * Closed loop: {@code concurrency} connections send back to back for {@code warmupNanos}
   * (not recorded) and then {@code measureNanos}.
   */
  static Result closedLoop(String host, int port, byte[][] requests, int concurrency, long warmupNanos,
      long measureNanos) throws InterruptedException {
    List<Connection> connections = open(host, port, concurrency);
    Result total = new Result();
    CountDownLatch ready = new CountDownLatch(concurrency);
    CountDownLatch go = new CountDownLatch(1);
    long[] times = new long[2];
    List<Thread> threads = new ArrayList<>();
    for (int t = 0; t < concurrency; t++) {
      Connection connection = connections.get(t);
      Thread thread = new Thread(() -> {
        Result mine = new Result();
        ThreadLocalRandom random = ThreadLocalRandom.current();
        ready.countDown();
        try {
          go.await();
        } catch (InterruptedException e) {
          return;
        }
        long measureFrom = times[0];
        long end = times[1];
        long now = System.nanoTime();
        while (now < end) {
          byte[] request = requests[random.nextInt(requests.length)];
          long sent = now;
          boolean ok = connection.exchange(request, mine);
          now = System.nanoTime();
          mine.exchanged++;
          if (sent >= measureFrom) {
            long micros = (now - sent + 999) / 1000;
            if (ok) {
              mine.requests++;
              mine.latency.recordValue(Math.min(micros, HIGHEST_MICROS));
              mine.service.recordValue(Math.min(micros, HIGHEST_MICROS));
              connection.recordStore(mine);
            } else {
              mine.errors++;
            }
          }
        }
        total.add(mine);
      }, "load-" + t);
      thread.setDaemon(true);
      threads.add(thread);
      thread.start();
    }
    ready.await();
    long start = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(20);
    times[0] = start + warmupNanos;
    times[1] = start + warmupNanos + measureNanos;
    go.countDown();
    for (Thread thread : threads) {
      thread.join();
    }
    total.seconds = measureNanos / 1e9;
    close(connections);
    return total;
  }

  /**
   * Open loop at {@code rate} requests/s over {@code connections} connections: the first
   * {@code warmupSeconds} of the schedule are sent but not recorded.
   */
  static Result fixedRate(String host, int port, byte[][] requests, int connectionCount, int rate, int warmupSeconds,
      int measureSeconds) throws InterruptedException {
    List<Connection> connections = open(host, port, connectionCount);
    long warmSlots = (long) rate * warmupSeconds;
    long totalSlots = warmSlots + (long) rate * measureSeconds;
    AtomicLong nextSlot = new AtomicLong();
    Result total = new Result();
    CountDownLatch ready = new CountDownLatch(connectionCount);
    CountDownLatch go = new CountDownLatch(1);
    long[] t0 = new long[1];
    long[] lastDone = new long[1];
    List<Thread> threads = new ArrayList<>();
    for (int t = 0; t < connectionCount; t++) {
      Connection connection = connections.get(t);
      Thread thread = new Thread(() -> {
        Result mine = new Result();
        ThreadLocalRandom random = ThreadLocalRandom.current();
        ready.countDown();
        try {
          go.await();
        } catch (InterruptedException e) {
          return;
        }
        long start = t0[0];
        long done = 0;
        long slot;
        while ((slot = nextSlot.getAndIncrement()) < totalSlots) {
          long intended = start + slot * 1_000_000_000L / rate;
          waitUntil(intended);
          byte[] request = requests[random.nextInt(requests.length)];
          long sent = System.nanoTime();
          boolean ok = connection.exchange(request, mine);
          done = System.nanoTime();
          mine.exchanged++;
          if (slot >= warmSlots) {
            if (ok) {
              mine.requests++;
              mine.latency.recordValue(Math.min((done - intended + 999) / 1000, HIGHEST_MICROS));
              mine.service.recordValue(Math.min((done - sent + 999) / 1000, HIGHEST_MICROS));
              mine.lag.recordValue(Math.min(Math.max(0, sent - intended) / 1000, HIGHEST_MICROS));
              connection.recordStore(mine);
            } else {
              mine.errors++;
            }
          }
        }
        synchronized (lastDone) {
          lastDone[0] = Math.max(lastDone[0], done);
        }
        total.add(mine);
      }, "paced-" + t);
      thread.setDaemon(true);
      threads.add(thread);
      thread.start();
    }
    ready.await();
    t0[0] = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(20);
    go.countDown();
    for (Thread thread : threads) {
      thread.join();
    }
    // Achieved rate: recorded requests over the time from the first measured slot to the last answer.
    long measuredFrom = t0[0] + warmSlots * 1_000_000_000L / rate;
    total.seconds = Math.max(measureSeconds, (lastDone[0] - measuredFrom) / 1e9);
    close(connections);
    return total;
  }

  private static void waitUntil(long deadline) {
    long remaining;
    while ((remaining = deadline - System.nanoTime()) > 0) {
      if (remaining > SPIN_NANOS) {
        LockSupport.parkNanos(remaining - SPIN_NANOS);
      } else {
        Thread.onSpinWait();
      }
    }
  }

  private static List<Connection> open(String host, int port, int count) {
    List<Connection> connections = new ArrayList<>(count);
    try {
      for (int i = 0; i < count; i++) {
        connections.add(new Connection(host, port));
      }
    } catch (IOException e) {
      close(connections);
      throw new IllegalStateException("cannot connect to " + host + ":" + port + ": " + e.getMessage(), e);
    }
    return connections;
  }

  private static void close(List<Connection> connections) {
    for (Connection c : connections) {
      c.close();
    }
  }

  /** {@code GET path HTTP/1.1} with nothing but Host. */
  static byte[] get(String host, int port, String path) {
    return ("GET " + path + " HTTP/1.1\r\nHost: " + host + ":" + port + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII);
  }

  /** {@code POST path HTTP/1.1} with a JSON body. */
  static byte[] postJson(String host, int port, String path, String json) {
    byte[] body = json.getBytes(StandardCharsets.UTF_8);
    byte[] head = ("POST " + path + " HTTP/1.1\r\nHost: " + host + ":" + port
        + "\r\nContent-Type: application/json\r\nContent-Length: " + body.length + "\r\n\r\n")
        .getBytes(StandardCharsets.US_ASCII);
    byte[] request = new byte[head.length + body.length];
    System.arraycopy(head, 0, request, 0, head.length);
    System.arraycopy(body, 0, request, head.length, body.length);
    return request;
  }

  /**
   * One keep-alive connection. Not thread-safe: one thread owns it. A broken connection is
   * reopened (and counted); the request that met it counts as an error.
   */
  static final class Connection implements Closeable {
    private static final byte[] CONTENT_LENGTH = "content-length:".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] CONNECTION_CLOSE = "connection: close".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] SERVER_TIMING = "server-timing: store;dur=".getBytes(StandardCharsets.US_ASCII);

    private final String host;
    private final int port;
    private Socket socket;
    private OutputStream out;
    private InputStream in;
    private final byte[] buf = new byte[64 * 1024];
    private int pos;
    private int lim;
    private final byte[] line = new byte[8 * 1024];
    /** Status and Server-Timing (microseconds, -1 when absent) of the last answer. */
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
        if (status != 200) {
          note(result, "HTTP " + status);
          return false;
        }
        return true;
      } catch (IOException e) {
        note(result, e.toString());
        result.reconnects++;
        close();
        try {
          connect();
        } catch (IOException again) {
          note(result, "reconnect failed: " + again);
        }
        return false;
      }
    }

    void recordStore(Result result) {
      if (storeMicros >= 0) {
        result.store.recordValue(Math.min(Math.max(storeMicros, 1), HIGHEST_MICROS));
      }
    }

    private static void note(Result result, String what) {
      if (result.firstError == null) {
        result.firstError = what;
      }
    }

    private void readResponse() throws IOException {
      int n = readLine();
      if (n < 12 || line[0] != 'H' || line[8] != ' ') {
        throw new IOException("not an HTTP status line: " + new String(line, 0, n, StandardCharsets.US_ASCII));
      }
      status = (line[9] - '0') * 100 + (line[10] - '0') * 10 + (line[11] - '0');
      long length = -1;
      boolean closeAfter = false;
      storeMicros = -1;
      while ((n = readLine()) > 0) {
        if (startsWithIgnoreCase(n, CONTENT_LENGTH)) {
          length = parseLong(CONTENT_LENGTH.length, n);
        } else if (startsWithIgnoreCase(n, SERVER_TIMING)) {
          storeMicros = parseMillisAsMicros(SERVER_TIMING.length, n);
        } else if (startsWithIgnoreCase(n, CONNECTION_CLOSE)) {
          closeAfter = true;
        }
      }
      if (length < 0) {
        throw new IOException("answer without Content-Length (status " + status + ")");
      }
      if (keepBody) {
        body = new byte[(int) length];
        int off = 0;
        while (off < length) {
          if (pos == lim) {
            fill();
          }
          int take = (int) Math.min(lim - pos, length - off);
          System.arraycopy(buf, pos, body, off, take);
          pos += take;
          off += take;
        }
      } else {
        long left = length;
        while (left > 0) {
          if (pos == lim) {
            fill();
          }
          int take = (int) Math.min(lim - pos, left);
          pos += take;
          left -= take;
        }
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

    /** Reads one header line without its CRLF into {@link #line}; returns its length. */
    private int readLine() throws IOException {
      int n = 0;
      while (true) {
        if (pos == lim) {
          fill();
        }
        byte b = buf[pos++];
        if (b == '\n') {
          return n > 0 && line[n - 1] == '\r' ? n - 1 : n;
        }
        if (n == line.length) {
          throw new IOException("header line longer than " + line.length + " bytes");
        }
        line[n++] = b;
      }
    }

    private boolean startsWithIgnoreCase(int n, byte[] prefix) {
      if (n < prefix.length) {
        return false;
      }
      for (int i = 0; i < prefix.length; i++) {
        byte b = line[i];
        if (b >= 'A' && b <= 'Z') {
          b += 'a' - 'A';
        }
        if (b != prefix[i]) {
          return false;
        }
      }
      return true;
    }

    private long parseLong(int from, int n) throws IOException {
      long value = 0;
      boolean any = false;
      for (int i = from; i < n; i++) {
        byte b = line[i];
        if (b >= '0' && b <= '9') {
          value = value * 10 + (b - '0');
          any = true;
        } else if (b != ' ' && b != '\t') {
          break;
        }
      }
      if (!any) {
        throw new IOException("bad Content-Length");
      }
      return value;
    }

    /** {@code 0.231} (milliseconds) → 231 (microseconds); -1 when it does not parse. */
    private long parseMillisAsMicros(int from, int n) {
      long whole = 0;
      long fraction = 0;
      int digits = 0;
      boolean dot = false;
      for (int i = from; i < n; i++) {
        byte b = line[i];
        if (b == '.') {
          dot = true;
        } else if (b >= '0' && b <= '9') {
          if (!dot) {
            whole = whole * 10 + (b - '0');
          } else if (digits < 3) {
            fraction = fraction * 10 + (b - '0');
            digits++;
          }
        } else {
          break;
        }
      }
      while (digits++ < 3) {
        fraction *= 10;
      }
      return whole * 1000 + fraction;
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
