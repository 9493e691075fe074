package io.featurestore.core;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocketFactory;
import javax.net.ssl.TrustManagerFactory;
import redis.clients.jedis.DefaultJedisClientConfig;
import redis.clients.jedis.HostAndPort;
import redis.clients.jedis.JedisClientConfig;
import redis.clients.jedis.util.JedisURIHelper;

/**
 * Where the store's Redis is and how to reach it: one server by URL, or a Redis Cluster by its
 * seed nodes; an ACL user and password and TLS for either. Validated when built, so a bad setting
 * fails at start with a message that names it. {@link #toString()} never shows the password.
 *
 * @param url          {@code REDIS_URL}: {@code redis://[user:password@]host:port[/db]}, or
 *                     {@code rediss://} for TLS; not used when {@code clusterNodes} is set
 * @param clusterNodes {@code REDIS_CLUSTER_NODES}: {@code host:port} seeds; any selects the cluster client
 * @param username     {@code REDIS_USERNAME}: the ACL user (the URL may carry it instead)
 * @param password     {@code REDIS_PASSWORD} (the URL may carry it instead)
 * @param tls          {@code REDIS_TLS}: TLS, for a cluster or a {@code redis://} URL
 * @param caFile       {@code REDIS_TLS_CA_FILE}: PEM certificates of the CA to trust instead of the JVM's
 */
public record RedisConnection(String url, List<String> clusterNodes, Optional<String> username,
    Optional<String> password, boolean tls, Optional<Path> caFile) {

  public static final String REDIS_URL = "REDIS_URL";
  public static final String CLUSTER_NODES = "REDIS_CLUSTER_NODES";
  public static final String USERNAME = "REDIS_USERNAME";
  public static final String PASSWORD = "REDIS_PASSWORD";
  public static final String TLS = "REDIS_TLS";
  public static final String TLS_CA_FILE = "REDIS_TLS_CA_FILE";
  public static final String DEFAULT_URL = "redis://localhost:6379";
  /** Socket and connect timeout of every Redis connection. */
  static final int TIMEOUT_MILLIS = 2000;

  public RedisConnection {
    clusterNodes = List.copyOf(clusterNodes);
    if (clusterNodes.isEmpty()) {
      URI uri = parse(url);
      boolean inUrl = JedisURIHelper.getPassword(uri) != null || JedisURIHelper.getUser(uri) != null;
      if (inUrl && (username.isPresent() || password.isPresent())) {
        throw new InvalidInputException(REDIS_URL + " " + redactedUrl(url) + " carries credentials and "
            + USERNAME + "/" + PASSWORD + " are set too: give them in one place");
      }
    } else {
      for (String node : clusterNodes) {
        seed(node);
      }
    }
    if (username.isPresent() && password.isEmpty()) {
      throw new InvalidInputException(USERNAME + " is set without " + PASSWORD);
    }
    caFile.ifPresent(file -> {
      if (!Files.isReadable(file)) {
        throw new InvalidInputException(TLS_CA_FILE + " " + file + " is not a readable file");
      }
    });
  }

  /** One server at {@code url}, with whatever credentials and TLS the URL itself says. */
  public static RedisConnection url(String url) {
    return new RedisConnection(url, List.of(), Optional.empty(), Optional.empty(), false, Optional.empty());
  }

  /** {@code REDIS_CLUSTER_NODES}' value: comma-separated {@code host:port} seeds, blanks ignored. */
  public static List<String> nodeList(String commaSeparated) {
    List<String> nodes = new ArrayList<>();
    for (String part : commaSeparated.split(",")) {
      if (!part.isBlank()) {
        nodes.add(part.strip());
      }
    }
    return nodes;
  }

  public boolean isCluster() {
    return !clusterNodes.isEmpty();
  }

  /** TLS is on: {@code REDIS_TLS}, or a {@code rediss://} URL. */
  public boolean usesTls() {
    return tls || (!isCluster() && JedisURIHelper.isRedisSSLScheme(parse(url)));
  }

  /** Where this is, for logs and messages: the URL with its credentials replaced, or the cluster's seeds. */
  public String describe() {
    String where = isCluster() ? "cluster " + String.join(",", clusterNodes) : redactedUrl(url);
    return where + (username.isPresent() ? " as " + username.get() : "") + (usesTls() && isCluster() ? " (TLS)" : "");
  }

  @Override
  public String toString() {
    return describe();
  }

  /**
   * A Redis URL fit for logs and messages: everything before the last {@code @} of its authority
   * (user and password) replaced by {@code ***}. Works on the text, so a URL too malformed to
   * parse does not leak its password either.
   */
  public static String redactedUrl(String redisUrl) {
    int scheme = redisUrl.indexOf("://");
    int start = scheme < 0 ? 0 : scheme + 3;
    int at = redisUrl.lastIndexOf('@');
    return at < start ? redisUrl : redisUrl.substring(0, start) + "***" + redisUrl.substring(at);
  }

  HostAndPort hostAndPort() {
    return JedisURIHelper.getHostAndPort(parse(url));
  }

  List<HostAndPort> seeds() {
    return clusterNodes.stream().map(RedisConnection::seed).toList();
  }

  /** The client settings of every connection: timeouts, credentials, database, TLS with hostname checks. */
  JedisClientConfig clientConfig() {
    DefaultJedisClientConfig.Builder config = DefaultJedisClientConfig.builder()
        .connectionTimeoutMillis(TIMEOUT_MILLIS).socketTimeoutMillis(TIMEOUT_MILLIS).clientName("feature-store");
    if (!isCluster()) {
      URI uri = parse(url);
      config.user(JedisURIHelper.getUser(uri)).password(JedisURIHelper.getPassword(uri));
      if (JedisURIHelper.hasDbIndex(uri)) {
        config.database(JedisURIHelper.getDBIndex(uri));
      }
    }
    username.ifPresent(config::user);
    password.ifPresent(config::password);
    if (usesTls()) {
      SSLParameters parameters = new SSLParameters();
      parameters.setEndpointIdentificationAlgorithm("HTTPS"); // the certificate must name the host
      config.ssl(true).sslParameters(parameters);
      caFile.ifPresent(file -> config.sslSocketFactory(trusting(file)));
    }
    return config.build();
  }

  private static URI parse(String url) {
    String problem;
    try {
      URI uri = new URI(url);
      if (JedisURIHelper.isValid(uri) && (JedisURIHelper.isRedisScheme(uri) || JedisURIHelper.isRedisSSLScheme(uri))) {
        return uri;
      }
      problem = "needs the scheme redis:// or rediss://, a host and a port";
    } catch (URISyntaxException e) {
      problem = e.getReason();
    }
    throw new InvalidInputException(REDIS_URL + " " + redactedUrl(url)
        + " is not a Redis URL (redis://[user:password@]host:port[/db] or rediss://…): " + problem);
  }

  private static HostAndPort seed(String node) {
    int colon = node.lastIndexOf(':');
    try {
      if (colon > 0) {
        int port = Integer.parseInt(node.substring(colon + 1));
        if (port > 0 && port < 65536) {
          return new HostAndPort(node.substring(0, colon), port);
        }
      }
    } catch (NumberFormatException e) {
      // reported below
    }
    throw new InvalidInputException(CLUSTER_NODES + ": '" + node + "' is not host:port");
  }

  /** A socket factory that trusts exactly the certificates in {@code pemFile}. */
  private static SSLSocketFactory trusting(Path pemFile) {
    try (InputStream in = Files.newInputStream(pemFile)) {
      KeyStore trust = KeyStore.getInstance(KeyStore.getDefaultType());
      trust.load(null, null);
      int n = 0;
      for (Certificate cert : CertificateFactory.getInstance("X.509").generateCertificates(in)) {
        trust.setCertificateEntry("ca-" + n++, cert);
      }
      if (n == 0) {
        throw new InvalidInputException(TLS_CA_FILE + " " + pemFile + " holds no certificate");
      }
      TrustManagerFactory factory = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
      factory.init(trust);
      SSLContext context = SSLContext.getInstance("TLS");
      context.init(null, factory.getTrustManagers(), null);
      return context.getSocketFactory();
    } catch (IOException | GeneralSecurityException e) {
      throw new InvalidInputException(TLS_CA_FILE + " " + pemFile + " is not a PEM certificate file: " + e.getMessage());
    }
  }
}
