package io.featurestore.serving;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A TCP proxy in front of Redis that holds every chunk the client sends for a fixed delay
 * (measured from its arrival, so chunks sent together leave together), and counts round
 * trips: a request is what a client sends between two answers. The delay keeps Redis from
 * answering the first chunk of a pipeline before the client has written the rest, so a
 * pipeline counts once however many chunks it takes. Only requests that name one of the
 * given commands count, so a pool's idle-connection checks do not.
 */
final class DelayingProxy implements AutoCloseable {
  private final ServerSocket listener;
  private final int upstreamPort;
  private final long delayNanos;
  private final List<String> counted;
  private final AtomicInteger roundTrips = new AtomicInteger();
  private final List<Socket> sockets = new CopyOnWriteArrayList<>();
  private volatile boolean closed;

  private record Chunk(long dueNanos, byte[] bytes) {
  }

  /** One client connection's request/answer state. */
  private static final class Link {
    volatile boolean answered = true;
    volatile boolean counted;
  }

  DelayingProxy(int upstreamPort, long delayMillis, String... countedCommands) throws IOException {
    this.upstreamPort = upstreamPort;
    this.delayNanos = TimeUnit.MILLISECONDS.toNanos(delayMillis);
    this.counted = Arrays.stream(countedCommands).map(name -> "\r\n" + name + "\r\n").toList();
    this.listener = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
    daemon(this::acceptLoop, "proxy-accept");
  }

  int port() {
    return listener.getLocalPort();
  }

  String url() {
    return "redis://127.0.0.1:" + port();
  }

  /** Round trips since the last reset whose request named one of the counted commands. */
  int roundTrips() {
    return roundTrips.get();
  }

  void resetRoundTrips() {
    roundTrips.set(0);
  }

  private void acceptLoop() {
    while (!closed) {
      try {
        Socket client = listener.accept();
        Socket upstream = new Socket();
        upstream.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), upstreamPort));
        client.setTcpNoDelay(true);
        upstream.setTcpNoDelay(true);
        sockets.add(client);
        sockets.add(upstream);
        BlockingQueue<Chunk> queue = new LinkedBlockingQueue<>();
        Link link = new Link();
        daemon(() -> read(client, queue, link), "proxy-read");
        daemon(() -> delayedWrite(queue, upstream), "proxy-write");
        daemon(() -> answer(upstream, client, link), "proxy-reply");
      } catch (IOException e) {
        if (!closed) {
          throw new IllegalStateException(e);
        }
      }
    }
  }

  private void read(Socket client, BlockingQueue<Chunk> queue, Link link) {
    byte[] buffer = new byte[65536];
    try (InputStream in = client.getInputStream()) {
      int n;
      while ((n = in.read(buffer)) > 0) {
        byte[] bytes = Arrays.copyOf(buffer, n);
        if (link.answered) {
          link.answered = false;
          link.counted = false;
        }
        if (!link.counted && namesACountedCommand(bytes)) {
          link.counted = true;
          roundTrips.incrementAndGet();
        }
        queue.add(new Chunk(System.nanoTime() + delayNanos, bytes));
      }
    } catch (IOException e) {
      // connection closed
    }
    queue.add(new Chunk(0, new byte[0]));
  }

  private void delayedWrite(BlockingQueue<Chunk> queue, Socket upstream) {
    try (OutputStream out = upstream.getOutputStream()) {
      while (true) {
        Chunk chunk = queue.take();
        if (chunk.bytes().length == 0) {
          return;
        }
        long wait = chunk.dueNanos() - System.nanoTime();
        if (wait > 0) {
          TimeUnit.NANOSECONDS.sleep(wait);
        }
        out.write(chunk.bytes());
        out.flush();
      }
    } catch (IOException | InterruptedException e) {
      // connection closed
    }
  }

  private boolean namesACountedCommand(byte[] bytes) {
    String text = new String(bytes, StandardCharsets.ISO_8859_1);
    return counted.stream().anyMatch(text::contains);
  }

  private static void answer(Socket upstream, Socket client, Link link) {
    byte[] buffer = new byte[65536];
    try (InputStream in = upstream.getInputStream(); OutputStream out = client.getOutputStream()) {
      int n;
      while ((n = in.read(buffer)) > 0) {
        link.answered = true;
        out.write(buffer, 0, n);
        out.flush();
      }
    } catch (IOException e) {
      // connection closed
    }
  }

  private static void daemon(Runnable task, String name) {
    Thread thread = new Thread(task, name);
    thread.setDaemon(true);
    thread.start();
  }

  @Override
  public void close() throws IOException {
    closed = true;
    listener.close();
    for (Socket socket : sockets) {
      socket.close();
    }
  }
}
