package io.featurestore.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.featurestore.infra.FreePorts;
import io.featurestore.infra.RedisBinary;
import io.featurestore.infra.RedisCluster;
import io.featurestore.infra.RedisServer;
import io.featurestore.infra.TlsFiles;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A store on a Redis that wants what managed services want: an ACL user with a password, and TLS
 * with a certificate from a private CA. Right settings work; wrong ones fail at once with one
 * clear error that never shows the password.
 */
class RedisSecurityIT {
  private static final String PASSWORD = "s3cret-Pa55";
  private static final FeatureRegistry REGISTRY = FeatureRegistry.bundled().withOverrides("sec:", 600, 60);

  @TempDir
  static Path dir;
  private static RedisServer acl;
  private static RedisServer tls;
  private static int tlsPort;
  private static TlsFiles files;
  private static TlsFiles otherCa;

  @BeforeAll
  static void start() {
    acl = RedisServer.start(RedisBinary.locate(), FreePorts.next(),
        List.of("--user", "default", "off", "--user", "app", "on", ">" + PASSWORD, "~*", "&*", "+@all"));
    files = TlsFiles.create(dir, "private", "IP:127.0.0.1");
    otherCa = TlsFiles.create(dir, "other", "IP:127.0.0.1");
    tlsPort = FreePorts.next();
    tls = RedisServer.startTlsOnly(RedisBinary.locate(), tlsPort, files.redisServerArgs(tlsPort));
  }

  @AfterAll
  static void stop() {
    acl.close();
    tls.close();
  }

  private static RedisConnection user(String url, String user, String password) {
    return new RedisConnection(url, List.of(), Optional.ofNullable(user), Optional.ofNullable(password), false, Optional.empty());
  }

  private static void roundTrip(RedisConnection connection) {
    try (FeatureStore store = FeatureStore.connect(connection, REGISTRY)) {
      store.bulkLoader().bulkLoad(List.of(new EntityRow("u1", Map.of("risk_segment", "low"))).iterator(), 600, 10, 1, n -> { });
      assertThat(store.reader().get("u1", List.of("risk_segment"), false).values()).containsEntry("risk_segment", "low");
      assertThat(store.admin().reset()).isEqualTo(1);
    }
  }

  @Test
  void shouldConnectAsAnAclUserGivenInTheUrlOrInItsOwnSettings() {
    roundTrip(RedisConnection.url("redis://app:" + PASSWORD + "@127.0.0.1:" + acl.port()));
    roundTrip(user("redis://127.0.0.1:" + acl.port(), "app", PASSWORD));
  }

  @Test
  void shouldRefuseAWrongOrMissingPasswordAtOnceWithoutShowingIt() {
    for (RedisConnection wrong : List.of(user("redis://127.0.0.1:" + acl.port(), "app", "not-" + PASSWORD),
        RedisConnection.url("redis://app:not-" + PASSWORD + "@127.0.0.1:" + acl.port()),
        RedisConnection.url("redis://127.0.0.1:" + acl.port()))) {
      assertThatThrownBy(() -> FeatureStore.connect(wrong, REGISTRY)).isInstanceOf(StoreAccessException.class)
          .hasMessageContaining("refused the credentials").hasMessageContaining(RedisConnection.PASSWORD)
          .hasMessageNotContaining(PASSWORD);
      assertThat(wrong.toString()).doesNotContain(PASSWORD);
    }
  }

  @Test
  void shouldRefuseCredentialsGivenTwice() {
    assertThatThrownBy(() -> user("redis://app:" + PASSWORD + "@127.0.0.1:1", "app", PASSWORD))
        .isInstanceOf(InvalidInputException.class).hasMessageContaining("give them in one place")
        .hasMessageNotContaining(PASSWORD);
    assertThatThrownBy(() -> user("redis://127.0.0.1:1", "app", null))
        .isInstanceOf(InvalidInputException.class).hasMessageContaining("REDIS_USERNAME is set without REDIS_PASSWORD");
  }

  @Test
  void shouldSpeakTlsTrustingThePrivateCaItIsGiven() {
    roundTrip(new RedisConnection("rediss://127.0.0.1:" + tlsPort, List.of(), Optional.empty(), Optional.empty(), false,
        Optional.of(files.caCert())));
    roundTrip(new RedisConnection("redis://127.0.0.1:" + tlsPort, List.of(), Optional.empty(), Optional.empty(), true,
        Optional.of(files.caCert())));
  }

  @Test
  void shouldRefuseACertificateItDoesNotTrustAtOnce() {
    for (Optional<Path> ca : List.of(Optional.<Path>empty(), Optional.of(otherCa.caCert()))) {
      RedisConnection untrusted = new RedisConnection("rediss://127.0.0.1:" + tlsPort, List.of(), Optional.empty(),
          Optional.empty(), false, ca);
      assertThatThrownBy(() -> FeatureStore.connect(untrusted, REGISTRY)).isInstanceOf(StoreAccessException.class)
          .hasMessageContaining("TLS handshake failed").hasMessageContaining(RedisConnection.TLS_CA_FILE);
    }
  }

  @Test
  void shouldRefuseACertificateThatNamesAnotherHost(@TempDir Path own) {
    TlsFiles localhostOnly = TlsFiles.create(own, "named", "DNS:localhost");
    int port = FreePorts.next();
    try (RedisServer server = RedisServer.startTlsOnly(RedisBinary.locate(), port, localhostOnly.redisServerArgs(port))) {
      RedisConnection byIp = new RedisConnection("rediss://127.0.0.1:" + port, List.of(), Optional.empty(),
          Optional.empty(), false, Optional.of(localhostOnly.caCert()));
      assertThatThrownBy(() -> FeatureStore.connect(byIp, REGISTRY)).isInstanceOf(StoreAccessException.class)
          .hasMessageContaining("TLS handshake failed");
      roundTrip(new RedisConnection("rediss://localhost:" + port, List.of(), Optional.empty(), Optional.empty(), false,
          Optional.of(localhostOnly.caCert())));
    }
  }

  @Test
  void shouldReachAClusterThatWantsAPasswordAndTlsAndRefuseAWrongPassword() {
    try (RedisCluster secured = RedisCluster.start(3, 0, new RedisCluster.Security(Optional.of(PASSWORD), Optional.of(files)))) {
      List<String> seeds = RedisConnection.nodeList(secured.seeds());
      roundTrip(new RedisConnection("", seeds, Optional.empty(), Optional.of(PASSWORD), true, Optional.of(files.caCert())));
      RedisConnection wrong = new RedisConnection("", seeds, Optional.empty(), Optional.of("not-" + PASSWORD), true,
          Optional.of(files.caCert()));
      assertThatThrownBy(() -> FeatureStore.connect(wrong, REGISTRY)).isInstanceOf(StoreAccessException.class)
          .hasMessageContaining("refused the credentials").hasMessageNotContaining(PASSWORD);
      RedisConnection untrusted = new RedisConnection("", seeds, Optional.empty(), Optional.of(PASSWORD), true,
          Optional.of(otherCa.caCert()));
      assertThatThrownBy(() -> FeatureStore.connect(untrusted, REGISTRY)).isInstanceOf(StoreAccessException.class)
          .hasMessageContaining("TLS handshake failed");
    }
  }

  @Test
  void shouldRefuseACaFileThatIsNotThere() {
    assertThatThrownBy(() -> new RedisConnection("rediss://127.0.0.1:1", List.of(), Optional.empty(), Optional.empty(),
        false, Optional.of(dir.resolve("missing.pem")))).isInstanceOf(InvalidInputException.class)
        .hasMessageContaining("REDIS_TLS_CA_FILE").hasMessageContaining("not a readable file");
  }
}
