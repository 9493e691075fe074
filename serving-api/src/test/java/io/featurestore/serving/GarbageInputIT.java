package io.featurestore.serving;

import static org.assertj.core.api.Assertions.assertThat;

import io.featurestore.infra.junit.RedisEndpoint;
import io.featurestore.infra.junit.RedisExtension;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.slf4j.LoggerFactory;

/**
 * No client input may produce a 5xx: a battery of bad paths, huge and unicode ids, bad query
 * parameters, odd methods, huge and non-JSON bodies is thrown at every route over raw
 * sockets (so even requests no HTTP client library would send get through), and every
 * answer must be < 500. Afterwards the server still serves, and the metrics did not grow a
 * series per garbage path.
 */
@ExtendWith(RedisExtension.class)
class GarbageInputIT {
  private static final List<String> METHODS = List.of("GET", "POST", "PUT", "DELETE", "PATCH", "HEAD", "OPTIONS",
      "TRACE", "FOO");
  private static final List<String> ROUTES = List.of("/", "/openapi.json", "/health/live", "/health/ready", "/metrics",
      "/v1/registry", "/v1/stream-processor", "/v1/features/u0001", "/v1/features/batch", "/v1/entities/u0001",
      "/v1/features?user=u0001&merchant=m042&service=fraud_scoring_v2", "/assets/app.js");
  private static final Set<String> KNOWN_ROUTE_TAGS = Set.of("/", "/openapi.json", "/health/live", "/health/ready",
      "/metrics", "/v1/registry", "/v1/stream-processor", "/v1/features/{entity_id}", "/v1/features/batch",
      "/v1/entities/{entity_id}", "/v1/features", ServingMetrics.UNMATCHED);

  private static TestServer server;

  @BeforeAll
  static void start(RedisEndpoint redis) {
    server = TestServer.start(redis.url(), "it:garbage:");
    server.loadUsers(5);
  }

  @AfterAll
  static void stop() {
    server.close();
  }

  private static List<String> paths() {
    String f = "/v1/features/";
    List<String> paths = new ArrayList<>(ROUTES);
    paths.addAll(List.of(
        "/v1", "/v1/", "/v1/features", f, f + "u0001/extra", "/v1/features//u0001", "/v1/entities/", "/v1/registry/x",
        "/health", "/v2/features/u0001", "/assets/", "/assets/../openapi.json", "/assets/%2e%2e/logback.xml",
        "/assets/..%2f..%2fopenapi.json", "/openapi.yaml", "/%00", "/%", "/%ZZ", "/" + "x".repeat(20_000),
        f + "u0001?features=", f + "u0001?features=,,,", f + "u0001?features=%00", f + "u0001?features=%ZZ",
        f + "u0001?features=%", f + "u0001?service=", f + "u0001?service=%ZZ", f + "u0001?service=user_profile&service=x",
        f + "u0001?features=country_iso&freshness=", f + "u0001?features=country_iso&freshness=%ZZ",
        f + "u0001?features=country_iso&freshness=TRUE", f + "u0001?features=" + "a,".repeat(5_000),
        f + "u0001?" + IntStream.range(0, 2_000).mapToObj(i -> "p" + i + "=" + i).collect(Collectors.joining("&")),
        f + "u0001?features=country_iso&features=country_iso", f + "u0001?features[]=country_iso",
        f + "u0001?=&&==&features=country_iso", f + "u0001?features=country_iso#frag",
        f + "%F0%9F%98%80?features=country_iso", f + "%C3%BC?features=country_iso", f + "%00?features=country_iso",
        f + "%FF%FE?features=country_iso", f + "%ZZ?features=country_iso", f + "%?features=country_iso",
        f + "..%2F..%2Fetc%2Fpasswd?features=country_iso", f + "u0001%2F..%2Fu0002?features=country_iso",
        f + "u0001;jsessionid=x?features=country_iso", f + "*?features=country_iso", f + "u*?features=country_iso",
        f + "%2A?features=country_iso", f + "%5B%5D?features=country_iso", f + "a%20b?features=country_iso",
        f + "u".repeat(129) + "?features=country_iso", f + "u".repeat(10_000) + "?features=country_iso",
        f + "u0001%0D%0AFLUSHALL?features=country_iso", f + "_meta:stream-processor?features=country_iso",
        f + "u0001?features=%E2%80%AEcountry_iso", f + "u0001?service=%F0%9F%98%80",
        "/v1/entities/%ZZ", "/v1/entities/" + "e".repeat(5_000), "/v1/entities/_meta:stream-processor",
        "/v1/entities/%F0%9F%98%80", "/metrics?x=%ZZ", "/health/ready?%%%"));
    return paths;
  }

  private static List<String> bodies() {
    List<String> bodies = new ArrayList<>(List.of("", "null", "true", "[]", "{}", "\"u0001\"", "123", "1e999999",
        "{\"entity_ids\":null}", "{\"entity_ids\":[null]}", "{\"entity_ids\":[[]]}", "{\"entity_ids\":[{}]}",
        "{\"entity_ids\":[true]}", "{\"entity_ids\":[1e999999]}", "{\"entity_ids\":{\"0\":\"u0001\"}}",
        "{\"entity_ids\":[\"u0001\"],\"features\":\"country_iso\"}", "{\"entity_ids\":[\"u0001\"],\"features\":[1]}",
        "{\"entity_ids\":[\"u0001\"],\"features\":[null]}", "{\"entity_ids\":[\"u0001\"],\"features\":[]}",
        "{\"entity_ids\":[\"u0001\"],\"features\":{}}", "{\"entity_ids\":[\"u0001\"],\"service\":1}",
        "{\"entity_ids\":[\"u0001\"],\"service\":\"\"}", "{\"entity_ids\":[\"u0001\"],\"service\":[\"user_profile\"]}",
        "{\"entity_ids\":[\"u0001\"],\"service\":\"user_profile\",\"freshness\":\"true\"}",
        "{\"entity_ids\":[\"u0001\"],\"service\":\"user_profile\",\"freshness\":1}",
        "{\"entity_ids\":[\"u0001\"],\"entity_ids\":[\"u0002\"],\"service\":\"user_profile\"}",
        "{\"entity_ids\":[\"\\u0000\"],\"service\":\"user_profile\"}", "{\"entity_ids\":[\"ü\"],\"service\":\"user_profile\"}",
        "{\"entity_ids\":[\"\\ud800\"],\"service\":\"user_profile\"}", "{\"entity_ids\":[\"u0001\"],",
        "\uFEFF{\"entity_ids\":[\"u0001\"],\"service\":\"user_profile\"}", "<xml/>", "entity_ids=u0001&service=x",
        "{\"entity_ids\":[\"u0001\"],\"service\":\"user_profile\"} trailing", "{'entity_ids':['u0001']}",
        "{\"entity_ids\":[\"u0001\"],\"service\":\"user_profile\",\"__proto__\":{}}",
        "[".repeat(100_000), "{\"a\":".repeat(10_000),
        "{\"entity_ids\":[" + IntStream.range(0, 5_000).mapToObj(i -> "\"u" + i + "\"").collect(Collectors.joining(","))
            + "],\"service\":\"user_profile\"}",
        "{\"entity_ids\":[" + IntStream.range(0, 1_000).mapToObj(i -> "\"" + "x".repeat(1_000) + "\"")
            .collect(Collectors.joining(",")) + "],\"service\":\"user_profile\"}",
        "{\"entity_ids\":[\"" + "u".repeat(3_000_000) + "\"],\"service\":\"user_profile\"}"));
    return bodies;
  }

  @Test
  void shouldNeverAnswerAServerErrorToAnyInput() throws IOException {
    Map<String, Integer> answers = new LinkedHashMap<>();
    for (String path : paths()) {
      for (String method : METHODS) {
        String body = method.equals("POST") || method.equals("PUT") ? "{\"entity_ids\":[\"u0001\"]}" : null;
        record(answers, method + " " + abbreviate(path), send(method, path, body, "application/json", Map.of()));
      }
    }
    for (String body : bodies()) {
      for (String type : List.of("application/json", "text/plain", "application/x-www-form-urlencoded")) {
        record(answers, "POST batch " + type + " " + abbreviate(body),
            send("POST", "/v1/features/batch", body, type, Map.of()));
      }
    }
    byte[] invalidUtf8 = {'{', '"', 'e', '"', ':', (byte) 0xC3, (byte) 0x28, (byte) 0xFF, '}'};
    record(answers, "POST batch invalid UTF-8", raw(("POST /v1/features/batch HTTP/1.1\r\nHost: x\r\n"
        + "Content-Type: application/json\r\nContent-Length: " + invalidUtf8.length + "\r\nConnection: close\r\n\r\n"),
        invalidUtf8));
    record(answers, "POST batch chunked 3 MB", chunked(3_000_000));
    record(answers, "POST batch lying Content-Length", raw("POST /v1/features/batch HTTP/1.1\r\nHost: x\r\n"
        + "Content-Length: 99999999\r\nConnection: close\r\n\r\n{\"entity_ids\":[\"u0001\"]}", new byte[0]));
    record(answers, "POST batch negative Content-Length", raw("POST /v1/features/batch HTTP/1.1\r\nHost: x\r\n"
        + "Content-Length: -5\r\nConnection: close\r\n\r\n{}", new byte[0]));
    record(answers, "GET huge header", send("GET", "/v1/registry", null, null, Map.of("X-Junk", "j".repeat(64_000))));
    record(answers, "GET huge API key", send("GET", "/v1/registry", null, null, Map.of("X-API-Key", "k".repeat(20_000))));
    record(answers, "GET bearer garbage", send("GET", "/v1/registry", null, null, Map.of("Authorization", "Bearer \u00ff")));
    record(answers, "GET bad Accept", send("GET", "/v1/registry", null, null, Map.of("Accept", "image/png;q=x")));

    record(answers, "garbage request line", raw("\u0001\u0002 GARBAGE \u00ff\r\n\r\n", new byte[0]));
    record(answers, "no Host header", raw("GET /v1/registry HTTP/1.1\r\nConnection: close\r\n\r\n", new byte[0]));

    LoggerFactory.getLogger(GarbageInputIT.class).info("{} garbage requests answered: {}", answers.size(),
        answers.values().stream().collect(Collectors.groupingBy(status -> status, TreeMap::new, Collectors.counting())));
    Map<String, Integer> serverErrors = new LinkedHashMap<>();
    answers.forEach((request, status) -> {
      if (status >= 500) {
        serverErrors.put(request, status);
      }
    });
    assertThat(serverErrors).as("requests answered with a 5xx").isEmpty();

    // An HTTP version Jetty does not speak is refused by its parser, before any handler, with
    // the status the protocol defines for it: 505, the one 5xx a client can cause.
    assertThat(raw("GET /\r\n\r\n", new byte[0])).isIn(400, 505);
    assertThat(raw("GET /v1/registry HTTP/9.9\r\nHost: x\r\nConnection: close\r\n\r\n", new byte[0])).isIn(400, 505);
    assertThat(answers.size()).isGreaterThan(700);
    assertThat(answers.values()).as("some requests are well-formed").contains(200);

    assertThat(server.get("/v1/features/u0001?features=country_iso").statusCode()).isEqualTo(200);
    Set<String> routeTags = new TreeSet<>();
    Matcher m = Pattern.compile("route=\"([^\"]*)\"").matcher(server.get("/metrics").body());
    while (m.find()) {
      routeTags.add(m.group(1));
    }
    assertThat(KNOWN_ROUTE_TAGS).containsAll(routeTags);
  }

  /** Status -1: the server closed the connection without answering. */
  private static void record(Map<String, Integer> answers, String request, int status) {
    answers.put(request + " #" + answers.size(), status);
  }

  private static String abbreviate(String text) {
    return text.length() > 80 ? text.substring(0, 80) + "…(" + text.length() + ")" : text;
  }

  private static int send(String method, String path, String body, String contentType, Map<String, String> headers)
      throws IOException {
    byte[] bytes = body == null ? new byte[0] : body.getBytes(StandardCharsets.UTF_8);
    StringBuilder head = new StringBuilder(method).append(' ').append(path).append(" HTTP/1.1\r\nHost: 127.0.0.1\r\n");
    if (body != null) {
      head.append("Content-Type: ").append(contentType).append("\r\nContent-Length: ").append(bytes.length).append("\r\n");
    }
    headers.forEach((name, value) -> head.append(name).append(": ").append(value).append("\r\n"));
    head.append("Connection: close\r\n\r\n");
    return raw(head.toString(), bytes);
  }

  private static int chunked(int size) throws IOException {
    String head = "POST /v1/features/batch HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n"
        + "Content-Type: application/json\r\nConnection: close\r\n\r\n";
    ByteArrayOutputStream body = new ByteArrayOutputStream();
    byte[] chunk = ("[" + "\"u0001\",".repeat(8_000)).getBytes(StandardCharsets.US_ASCII);
    for (int sent = 0; sent < size; sent += chunk.length) {
      body.write((Integer.toHexString(chunk.length) + "\r\n").getBytes(StandardCharsets.US_ASCII));
      body.write(chunk);
      body.write("\r\n".getBytes(StandardCharsets.US_ASCII));
    }
    body.write("0\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
    return raw(head, body.toByteArray());
  }

  /** Sends a raw request and returns the status code of the answer, or -1 when none came. */
  private static int raw(String head, byte[] body) throws IOException {
    try (Socket socket = new Socket(InetAddress.getLoopbackAddress(), server.app.port())) {
      socket.setSoTimeout(20_000);
      OutputStream out = socket.getOutputStream();
      try {
        out.write(head.getBytes(StandardCharsets.ISO_8859_1));
        out.write(body);
        out.flush();
      } catch (IOException e) {
        // The server may answer (413, 431) and close before reading everything: read what it said.
      }
      return statusOf(socket.getInputStream(), head.lines().findFirst().orElse(""));
    }
  }

  private static int statusOf(InputStream in, String requestLine) throws IOException {
    ByteArrayOutputStream line = new ByteArrayOutputStream();
    try {
      int b;
      while ((b = in.read()) >= 0 && b != '\n') {
        line.write(b);
      }
    } catch (SocketTimeoutException e) {
      throw new AssertionError("no answer within 20 s to " + abbreviate(requestLine), e);
    } catch (IOException e) {
      // connection reset after a partial answer
    }
    String status = line.toString(StandardCharsets.ISO_8859_1);
    Matcher m = Pattern.compile("^HTTP/\\d\\.\\d (\\d{3})").matcher(status);
    return m.find() ? Integer.parseInt(m.group(1)) : -1;
  }
}
