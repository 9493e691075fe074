package io.featurestore.processor;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.featurestore.core.FeatureRegistry;
import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.StringReader;
import java.math.BigDecimal;
import org.junit.jupiter.api.Test;

class EntityStateTest {
  private final FeatureRegistry registry = FeatureRegistry.bundled();
  private final DeclaredFeatures.Group user = DeclaredFeatures.of(registry).groups().get(0);

  @Test
  void shouldGroupTheBundledDeclarationsIntoSharedWindowsAndFacts() {
    DeclaredFeatures declared = DeclaredFeatures.of(registry);
    assertThat(declared.groups()).extracting(g -> g.entity, g -> g.keyField, DeclaredFeatures.Group::byRecordKey)
        .containsExactly(org.assertj.core.groups.Tuple.tuple("user", "user_id", true),
            org.assertj.core.groups.Tuple.tuple("merchant", "merchant_id", false));
    assertThat(user.windows).hasSize(4);
    assertThat(user.lasts).as("three fields of the latest successful login share one fact").hasSize(1);
    assertThat(user.lasts.get(0).fields()).containsExactly("ts", "device_id", "country");
    assertThat(declared.featureCount()).isEqualTo(9);
    assertThat(declared.describe())
        .isEqualTo("9 streaming features: user (7, by user_id), merchant (2, repartitioned by merchant_id)");
  }

  @Test
  void shouldRoundTripEveryWindowFactAndOffsetThroughItsSerde() {
    EntityState s = new EntityState(user);
    s.windows[0].add(1000, 0);
    s.windows[0].add(900, 0);
    s.windows[2].add(1000, 92.4);
    s.windows[3].add(250_000, 17.5);
    s.lastTs[0] = 1234;
    s.lastProcessedAt[0] = 5678;
    s.lastValues[0] = new Object[] {1234L, "ios-1", "DE"};
    s.written[0] = 2;
    s.leaseRenewAt = 99;
    s.setHighWater("events.login:3", 17);
    s.setHighWater("events.transaction:3", 42);

    var serde = EntityState.serde(user);
    EntityState back = serde.deserializer().deserialize("t", serde.serializer().serialize("t", s));

    assertThat(back.windows[0].count(1000)).isEqualTo(2);
    assertThat(back.windows[2].sum(1000)).isEqualTo(92.4);
    assertThat(back.windows[3].max(250_000)).isEqualTo(17.5);
    assertThat(back.lastValues[0]).containsExactly(1234L, "ios-1", "DE");
    assertThat(back.lastTs[0]).isEqualTo(1234);
    assertThat(back.lastProcessedAt[0]).isEqualTo(5678);
    assertThat(back.written[0]).isEqualTo(2);
    assertThat(back.written[1]).isNaN();
    assertThat(back.leaseRenewAt).isEqualTo(99);
    assertThat(back.highWater("events.login:3")).isEqualTo(17);
    assertThat(back.highWater("events.transaction:3")).isEqualTo(42);
    assertThat(back.highWater("events.transaction:4")).isEqualTo(-1);
  }

  @Test
  void shouldKeepTheStateOfAnEntityBusyInEveryBucketOfEveryWindowWithinAChangelogRecord() {
    // A card-testing bot: events in every bucket of every window, the 24-hour one included.
    EntityState s = new EntityState(user);
    long now = 10 * 86_400_000L;
    for (SlidingWindow w : s.windows) {
      for (long ts = now - w.widthMs() + w.resolutionMs(); ts <= now; ts += w.resolutionMs()) {
        w.add(ts, 1_234.5678 + ts % 97);
      }
      assertThat((long) w.size()).isEqualTo(w.widthMs() / w.resolutionMs()).isLessThanOrEqualTo(SlidingWindow.MAX_BUCKETS);
    }
    byte[] written = EntityState.serde(user).serializer().serialize("t", s);

    assertThat(written.length).as("the producer sends a changelog record only under 1 MiB")
        .isLessThan((int) DeclaredFeatures.MAX_STATE_BYTES);
  }

  @Test
  void shouldRefuseDeclarationsWhoseStateCouldOutgrowAChangelogRecordOrWhoseWindowCannotBeCut() {
    StringBuilder many = new StringBuilder();
    for (String field : new String[] {"amount"}) {
      for (String window : new String[] {"1h", "2h", "3h", "4h", "5h"}) {
        many.append("  - {name: tx_max_").append(window).append(", type: double, source: stream, from: transaction,"
            + " aggregate: max, field: ").append(field).append(", window: ").append(window).append("}\n");
      }
    }
    assertThatThrownBy(() -> DeclaredFeatures.of(registryWith(many.toString())))
        .hasMessageContaining("many.yaml: entity 'user': its 5 windows can hold up to 1152 KB of state")
        .hasMessageContaining("declare fewer distinct windows");
    assertThatThrownBy(() -> DeclaredFeatures.of(registryWith("  - {name: tx_count_odd, type: int, source: stream,"
        + " from: transaction, aggregate: count, window: 86413s}\n")))
        .hasMessageContaining("a window of 86413s cannot be cut into equal buckets");
  }

  private static FeatureRegistry registryWith(String features) {
    return FeatureRegistry.parse(new StringReader(String.join("\n",
        "entities: [{name: user, key_prefix: 'fs:user:', id_pattern: '[a-z0-9]+'}]",
        "batch_ttl_seconds: 10", "stream_ttl_seconds: 5", "features:", features)), "many.yaml");
  }

  @Test
  void shouldKeepWhatStillAppliesWhenTheDeclarationsChange() {
    EntityState s = new EntityState(user);
    s.windows[0].add(1000, 0); // tx_count_5m
    s.windows[2].add(1000, 5); // tx_amount_sum_1h
    s.setHighWater("events.transaction:0", 7);
    byte[] written = EntityState.serde(user).serializer().serialize("t", s);

    // Another registry: the 5-minute count stays, the 1-hour sum is gone, a 10-minute mean is new.
    FeatureRegistry other = FeatureRegistry.parse(new StringReader(String.join("\n",
        "entities: [{name: user, key_prefix: 'fs:user:', id_pattern: '[a-z0-9]+'}]",
        "batch_ttl_seconds: 10", "stream_ttl_seconds: 5",
        "features:",
        "  - {name: tx_count_5m, type: int, source: stream, from: transaction, aggregate: count, window: 5m}",
        "  - {name: tx_mean_10m, type: double, source: stream, from: transaction, aggregate: mean, field: amount, window: 10m}",
        "")), "other.yaml");
    DeclaredFeatures.Group changed = DeclaredFeatures.of(other).groups().get(0);
    EntityState back = EntityState.serde(changed).deserializer().deserialize("t", written);

    assertThat(back.windows).hasSize(2);
    assertThat(back.windows[0].count(1000)).isEqualTo(1);
    assertThat(back.windows[1].isEmpty()).isTrue();
    assertThat(back.highWater("events.transaction:0")).isEqualTo(7);
  }

  @Test
  void shouldReadTheFirstProcessorsStateIntoTheSlotsThatDeclareTheSameThing() throws IOException {
    EntityState s = readWrittenAs(out -> {
      out.writeByte(2);
      writeLatestLogin(out, 1234, "ios-1", "DE", 5678);
      EntityState.writeVarLong(out, 2); // written tx count
      EntityState.writeVarLong(out, 0); // written failed-login count
      out.writeLong(99);
      out.writeLong(17); // login high water
      out.writeLong(42); // transaction high water
      EntityState.writeVarLong(out, 1); // transactions: one bucket with two events
      out.writeLong(10);
      EntityState.writeVarLong(out, 2);
      EntityState.writeVarLong(out, 0); // failed logins: none
    });

    assertThat(s.windows[0].count(1000)).isEqualTo(2);
    assertThat(s.written[0]).isEqualTo(2);
    assertThat(s.written[1]).isNaN();
    assertThat(s.lastValues[0]).containsExactly(1234L, "ios-1", "DE");
    assertThat(s.lastProcessedAt[0]).isEqualTo(5678);
    assertThat(s.highWater("events.login:5")).as("the topic's offset stands for the user's partition").isEqualTo(17);
    assertThat(s.highWater("events.transaction:5")).isEqualTo(42);
  }

  @Test
  void shouldReadTheOneEntryPerEventFormat() throws IOException {
    EntityState s = readWrittenAs(out -> {
      out.writeByte(1);
      writeLatestLogin(out, 1234, "ios-1", null, 5678);
      out.writeInt(2);
      out.writeInt(0);
      out.writeLong(99);
      out.writeInt(2); // transactions: (ts, source offset)
      out.writeLong(900);
      out.writeLong(7);
      out.writeLong(1000);
      out.writeLong(9);
      out.writeInt(0); // failed logins
    });
    assertThat(s.windows[0].count(1000)).isEqualTo(2);
    assertThat(s.highWater("events.transaction:0")).isEqualTo(9);
    assertThat(s.lastValues[0]).containsExactly(1234L, "ios-1", null);
  }

  /** Writes a state the way an earlier processor did. */
  @FunctionalInterface
  private interface StateWriter {
    void write(DataOutputStream out) throws IOException;
  }

  /** The user group's state read back from what {@code writer} writes. */
  private EntityState readWrittenAs(StateWriter writer) throws IOException {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (DataOutputStream out = new DataOutputStream(bytes)) {
      writer.write(out);
    }
    return EntityState.serde(user).deserializer().deserialize("t", bytes.toByteArray());
  }

  /** How both formats of the first processor begin: the latest successful login and when it was processed. */
  private static void writeLatestLogin(DataOutputStream out, long ts, String deviceId, String country, long processedAt)
      throws IOException {
    out.writeLong(ts);
    writeNullable(out, deviceId);
    writeNullable(out, country);
    out.writeLong(processedAt);
  }

  private static void writeNullable(DataOutputStream out, String value) throws IOException {
    out.writeBoolean(value != null);
    if (value != null) {
      out.writeUTF(value);
    }
  }

  @Test
  void shouldKeepADecimalLastValueExactly() {
    DeclaredFeatures.Group g = DeclaredFeatures.of(FeatureRegistry.parse(new StringReader(String.join("\n",
        "entities: [{name: user, key_prefix: 'fs:user:', id_pattern: '[a-z0-9]+'}]",
        "batch_ttl_seconds: 10", "stream_ttl_seconds: 5",
        "features:",
        "  - {name: last_amount, type: double, source: stream, from: transaction, aggregate: last, field: amount}",
        "")), "r.yaml")).groups().get(0);
    EntityState s = new EntityState(g);
    s.lastTs[0] = 1;
    s.lastValues[0] = new Object[] {new BigDecimal("92.40")};
    var serde = EntityState.serde(g);
    assertThat(serde.deserializer().deserialize("t", serde.serializer().serialize("t", s)).lastValues[0])
        .containsExactly(new BigDecimal("92.40"));
  }
}
