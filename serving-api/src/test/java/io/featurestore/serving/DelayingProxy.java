package io.featurestore.serving;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * A TCP proxy in front of Redis that holds every chunk the client sends for a fixed delay
 * (measured from its arrival, so chunks sent together leave together). Each request/reply
 * round trip then costs at least that delay: timing a call counts its round trips.
 */
final class DelayingProxy implements AutoCloseable {
  private final ServerSocket listener;
  private final int upstreamPort;
  private final long delayNanos;
  private final List<Socket> sockets = new CopyOnWriteArrayList<>();
  private volatile boolean closed;

  private record Chunk(long dueNanos, byte[] bytes) {
  }

  DelayingProxy(int upstreamPort, long delayMillis) throws IOException {
    this.upstreamPort = upstreamPort;
    this.delayNanos = TimeUnit.MILLISECONDS.toNanos(delayMillis);
    this.listener = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
    daemon(this::acceptLoop, "proxy-accept");
  }

  int port() {
    return listener.getLocalPort();
  }

  String url() {
    return "redis://127.0.0.1:" + port();
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
        daemon(() -> read(client, queue), "proxy-read");
        daemon(() -> delayedWrite(queue, upstream), "proxy-write");
        daemon(() -> copy(upstream, client), "proxy-reply");
      } catch (IOException e) {
        if (!closed) {
          throw new IllegalStateException(e);
        }
      }
    }
  }

  private void read(Socket client, BlockingQueue<Chunk> queue) {
    byte[] buffer = new byte[65536];
    try (InputStream in = client.getInputStream()) {
      int n;
      while ((n = in.read(buffer)) > 0) {
        queue.add(new Chunk(System.nanoTime() + delayNanos, Arrays.copyOf(buffer, n)));
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

  private static void copy(Socket from, Socket to) {
    try (InputStream in = from.getInputStream(); OutputStream out = to.getOutputStream()) {
      in.transferTo(out);
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
