package io.featurestore.infra;

import static org.assertj.core.api.Assertions.assertThat;

import io.featurestore.infra.junit.RedisEndpoint;
import io.featurestore.infra.junit.RedisExtension;
import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

@ExtendWith(RedisExtension.class)
class RedisServerIT {

  @Test
  void answersPing(RedisEndpoint redis) throws IOException {
    try (Connection connection = new Connection(redis)) {
      assertThat(connection.command("PING")).isEqualTo("+PONG");
    }
  }

  @Test
  void isAtLeastVersion74(RedisEndpoint redis) throws IOException {
    String info;
    try (Connection connection = new Connection(redis)) {
      info = connection.command("INFO server");
    }
    Matcher version = Pattern.compile("(?m)^redis_version:(\\d+)\\.(\\d+)").matcher(info);
    assertThat(version.find()).as("redis_version in %s", info).isTrue();
    int major = Integer.parseInt(version.group(1));
    int minor = Integer.parseInt(version.group(2));
    assertThat(major * 100 + minor).as("redis_version %s.%s", major, minor).isGreaterThanOrEqualTo(704);
  }

  @Test
  void persistentServerKeepsItsDataAcrossAStopAndStart(@TempDir Path dir) throws IOException {
    Path binary = RedisBinary.locate();
    int port = FreePorts.next();
    try (RedisServer first = RedisServer.startPersistent(binary, port, dir);
        Connection connection = new Connection(new RedisEndpoint("127.0.0.1", first.port()))) {
      assertThat(connection.command("SET kept yes")).isEqualTo("+OK");
    }
    try (RedisServer again = RedisServer.startPersistent(binary, port, dir);
        Connection connection = new Connection(new RedisEndpoint("127.0.0.1", again.port()))) {
      assertThat(connection.command("GET kept")).isEqualTo("yes");
    }
    assertThat(dir.resolve("redis.log")).as("the caller's folder is left as it is").exists();
  }

  @Test
  void plainServerStartsEmptyOnTheSamePort() throws IOException {
    Path binary = RedisBinary.locate();
    int port = FreePorts.next();
    try (RedisServer first = RedisServer.start(binary, port);
        Connection connection = new Connection(new RedisEndpoint("127.0.0.1", first.port()))) {
      assertThat(connection.command("SET gone yes")).isEqualTo("+OK");
    }
    Path folder;
    try (RedisServer again = RedisServer.start(binary, port);
        Connection connection = new Connection(new RedisEndpoint("127.0.0.1", again.port()))) {
      assertThat(connection.command("EXISTS gone")).isEqualTo(":0");
      folder = again.logFile().getParent();
      assertThat(folder).isDirectory();
    }
    assertThat(folder).as("its temporary folder is removed when it stops").doesNotExist();
  }

  /** Just enough RESP for inline commands answered by a simple string or a bulk string. */
  private static final class Connection implements AutoCloseable {
    private final Socket socket = new Socket();
    private final InputStream in;
    private final OutputStream out;

    Connection(RedisEndpoint redis) throws IOException {
      socket.connect(new InetSocketAddress(redis.host(), redis.port()), 2_000);
      socket.setSoTimeout(5_000);
      in = new BufferedInputStream(socket.getInputStream());
      out = socket.getOutputStream();
    }

    /** Sends an inline command; returns a simple reply as is ({@code +PONG}) and a bulk reply's content. */
    String command(String inline) throws IOException {
      out.write((inline + "\r\n").getBytes(StandardCharsets.UTF_8));
      out.flush();
      String line = readLine();
      if (!line.startsWith("$")) {
        return line;
      }
      byte[] bulk = in.readNBytes(Integer.parseInt(line.substring(1)));
      readLine();
      return new String(bulk, StandardCharsets.UTF_8);
    }

    private String readLine() throws IOException {
      ByteArrayOutputStream line = new ByteArrayOutputStream();
      for (int b = in.read(); b != '\n'; b = in.read()) {
        if (b < 0) {
          throw new IOException("connection closed by Redis");
        }
        line.write(b);
      }
      String text = line.toString(StandardCharsets.UTF_8);
      return text.endsWith("\r") ? text.substring(0, text.length() - 1) : text;
    }

    @Override
    public void close() throws IOException {
      socket.close();
    }
  }
}
