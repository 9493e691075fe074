package io.featurestore.processor;

import io.featurestore.processor.DeclaredFeatures.Group;
import io.featurestore.processor.DeclaredFeatures.LastSlot;
import io.featurestore.processor.DeclaredFeatures.Selector;
import io.featurestore.processor.DeclaredFeatures.WindowSlot;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInput;
import java.io.DataInputStream;
import java.io.DataOutput;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.serialization.Serializer;

/**
 * What the processor keeps per entity in its changelogged state store: one sliding window per
 * window slot of its {@link Group} (time buckets, bounded by the window length), the latest
 * selected event per "last" slot, what it last wrote to Redis, and the highest source offset
 * applied per source partition (so a replayed record is not counted twice). Redis is a view of
 * this state: after a restart every live entity is written again from it.
 *
 * <p>The serialized form names each window and fact by its descriptor, so a state written
 * under other declarations keeps what still applies and drops the rest. The two formats of the
 * first processor (one user's transaction and failed-login windows and its latest login) are
 * read into the slots that declare the same thing.
 */
final class EntityState {
  private static final byte FORMAT_EVENTS = 1;
  private static final byte FORMAT_USER = 2;
  private static final byte FORMAT = 3;

  final SlidingWindow[] windows;
  /** Event time of each slot's latest selected event, or -1. */
  final long[] lastTs;
  /** Wall-clock time each slot's latest event was processed (its fields expire one stream TTL later). */
  final long[] lastProcessedAt;
  /** The fields each slot's features read from its latest event (null when the event has none). */
  final Object[][] lastValues;
  /** Each window feature's value as last written to Redis; NaN when it is absent there. */
  final double[] written;
  /** Wall-clock time at which the written window features' lease must be renewed. */
  long leaseRenewAt = Long.MAX_VALUE;
  private String[] sources = new String[0];
  private long[] highWaters = new long[0];

  EntityState(Group group) {
    windows = new SlidingWindow[group.windows.size()];
    for (int i = 0; i < windows.length; i++) {
      windows[i] = group.windows.get(i).newWindow();
    }
    int lasts = group.lasts.size();
    lastTs = new long[lasts];
    lastProcessedAt = new long[lasts];
    lastValues = new Object[lasts][];
    Arrays.fill(lastTs, -1);
    Arrays.fill(lastProcessedAt, -1);
    for (int i = 0; i < lasts; i++) {
      lastValues[i] = new Object[group.lasts.get(i).fields().size()];
    }
    written = new double[group.windowFeatures.size()];
    Arrays.fill(written, Double.NaN);
  }

  /**
   * The highest offset applied from a source partition ({@code topic:partition}), or -1. A
   * state migrated from the first processor knows only the topic; its offset stands for the
   * partition the user's events came from.
   */
  long highWater(String source) {
    long legacy = -1;
    for (int i = 0; i < sources.length; i++) {
      if (sources[i].equals(source)) {
        return highWaters[i];
      }
      if (source.startsWith(sources[i]) && source.charAt(sources[i].length()) == ':') {
        legacy = highWaters[i];
      }
    }
    return legacy;
  }

  void setHighWater(String source, long offset) {
    for (int i = 0; i < sources.length; i++) {
      if (sources[i].equals(source)) {
        highWaters[i] = offset;
        return;
      }
    }
    sources = Arrays.copyOf(sources, sources.length + 1);
    highWaters = Arrays.copyOf(highWaters, highWaters.length + 1);
    sources[sources.length - 1] = source;
    highWaters[highWaters.length - 1] = offset;
  }

  /** When slot {@code i}'s fields expire in Redis (one stream TTL after its event was processed), or -1. */
  long lastExpiresAt(int i, long streamTtlMs) {
    return lastTs[i] < 0 ? -1 : lastProcessedAt[i] + streamTtlMs;
  }

  /** Nothing live left at {@code now}: empty windows and no latest-event fact that is still served. */
  boolean isDead(long now, long streamTtlMs) {
    for (SlidingWindow w : windows) {
      if (!w.isEmpty()) {
        return false;
      }
    }
    for (int i = 0; i < lastTs.length; i++) {
      if (lastExpiresAt(i, streamTtlMs) > now) {
        return false;
      }
    }
    return true;
  }

  static Serde<EntityState> serde(Group group) {
    return Serdes.serdeFrom(new StateSerializer(group), new StateDeserializer(group));
  }

  private static final class StateSerializer implements Serializer<EntityState> {
    private final Group group;

    StateSerializer(Group group) {
      this.group = group;
    }

    @Override
    public byte[] serialize(String topic, EntityState s) {
      if (s == null) {
        return null;
      }
      int buckets = 0;
      for (SlidingWindow w : s.windows) {
        buckets += w.size();
      }
      ByteArrayOutputStream bytes = new ByteArrayOutputStream(96 + 4 * buckets);
      try (DataOutputStream out = new DataOutputStream(bytes)) {
        out.writeByte(FORMAT);
        writeVarLong(out, s.sources.length);
        for (int i = 0; i < s.sources.length; i++) {
          out.writeUTF(s.sources[i]);
          out.writeLong(s.highWaters[i]);
        }
        out.writeLong(s.leaseRenewAt);
        writeVarLong(out, s.windows.length);
        for (int i = 0; i < s.windows.length; i++) {
          out.writeUTF(group.windows.get(i).descriptor());
          writeWindow(out, s.windows[i]);
        }
        writeVarLong(out, s.lastTs.length);
        for (int i = 0; i < s.lastTs.length; i++) {
          out.writeUTF(group.lasts.get(i).descriptor());
          out.writeLong(s.lastTs[i]);
          out.writeLong(s.lastProcessedAt[i]);
          writeVarLong(out, s.lastValues[i].length);
          for (Object v : s.lastValues[i]) {
            writeValue(out, v);
          }
        }
        writeVarLong(out, s.written.length);
        for (int i = 0; i < s.written.length; i++) {
          out.writeUTF(group.windowFeatures.get(i).name());
          out.writeDouble(s.written[i]);
        }
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
      return bytes.toByteArray();
    }

    /** Buckets as deltas from the previous one: a full window of 9,000 buckets is about 20 KB. */
    private static void writeWindow(DataOutput out, SlidingWindow w) throws IOException {
      out.writeBoolean(w.withValues());
      writeVarLong(out, w.size());
      long previous = 0;
      for (int i = 0; i < w.size(); i++) {
        long bucket = w.bucketAt(i);
        if (i == 0) {
          out.writeLong(bucket);
        } else {
          writeVarLong(out, bucket - previous);
        }
        previous = bucket;
        writeVarLong(out, w.countAt(i));
        if (w.withValues()) {
          out.writeDouble(w.sumAt(i));
          out.writeDouble(w.minAt(i));
          out.writeDouble(w.maxAt(i));
        }
      }
    }

    private static void writeValue(DataOutput out, Object v) throws IOException {
      if (v == null) {
        out.writeByte('n');
      } else if (v instanceof String text) {
        out.writeByte('s');
        out.writeUTF(text);
      } else if (v instanceof Long number) {
        out.writeByte('l');
        out.writeLong(number);
      } else if (v instanceof Boolean flag) {
        out.writeByte('b');
        out.writeBoolean(flag);
      } else if (v instanceof BigDecimal decimal) {
        out.writeByte('d');
        out.writeUTF(decimal.toString());
      } else {
        throw new IllegalArgumentException("cannot keep a " + v.getClass().getSimpleName() + " in the state");
      }
    }
  }

  private static final class StateDeserializer implements Deserializer<EntityState> {
    private final Group group;
    private final Map<String, Integer> windowIndex = new HashMap<>();
    private final Map<String, Integer> lastIndex = new HashMap<>();
    private final Map<String, Integer> writtenIndex = new HashMap<>();

    StateDeserializer(Group group) {
      this.group = group;
      for (int i = 0; i < group.windows.size(); i++) {
        windowIndex.put(group.windows.get(i).descriptor(), i);
      }
      for (int i = 0; i < group.lasts.size(); i++) {
        lastIndex.put(group.lasts.get(i).descriptor(), i);
      }
      for (int i = 0; i < group.windowFeatures.size(); i++) {
        writtenIndex.put(group.windowFeatures.get(i).name(), i);
      }
    }

    @Override
    public EntityState deserialize(String topic, byte[] data) {
      if (data == null) {
        return null;
      }
      try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(data))) {
        byte format = in.readByte();
        if (format == FORMAT_EVENTS || format == FORMAT_USER) {
          return new FirstProcessorState(group, in, format == FORMAT_EVENTS).migrate();
        }
        if (format != FORMAT) {
          throw new IllegalStateException("unknown entity state format " + format);
        }
        EntityState s = new EntityState(group);
        long sources = readVarLong(in);
        for (long i = 0; i < sources; i++) {
          s.setHighWater(in.readUTF(), in.readLong());
        }
        s.leaseRenewAt = in.readLong();
        long windows = readVarLong(in);
        for (long i = 0; i < windows; i++) {
          Integer at = windowIndex.get(in.readUTF());
          readWindow(in, at == null ? null : s.windows[at]);
        }
        long lasts = readVarLong(in);
        for (long i = 0; i < lasts; i++) {
          Integer at = lastIndex.get(in.readUTF());
          long ts = in.readLong();
          long processedAt = in.readLong();
          Object[] values = new Object[(int) readVarLong(in)];
          for (int v = 0; v < values.length; v++) {
            values[v] = readValue(in);
          }
          if (at != null && values.length == s.lastValues[at].length) {
            s.lastTs[at] = ts;
            s.lastProcessedAt[at] = processedAt;
            s.lastValues[at] = values;
          }
        }
        long written = readVarLong(in);
        for (long i = 0; i < written; i++) {
          Integer at = writtenIndex.get(in.readUTF());
          double value = in.readDouble();
          if (at != null) {
            s.written[at] = value;
          }
        }
        return s;
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }

    /** Reads one window into {@code w}, or skips it when {@code w} is null (no longer declared). */
    private static void readWindow(DataInput in, SlidingWindow w) throws IOException {
      boolean withValues = in.readBoolean();
      long n = readVarLong(in);
      long bucket = 0;
      boolean keep = w != null && w.withValues() == withValues;
      for (long i = 0; i < n; i++) {
        bucket = i == 0 ? in.readLong() : bucket + readVarLong(in);
        long count = readVarLong(in);
        double sum = 0;
        double min = 0;
        double max = 0;
        if (withValues) {
          sum = in.readDouble();
          min = in.readDouble();
          max = in.readDouble();
        }
        if (keep) {
          w.restoreBucket(bucket, count, sum, min, max);
        }
      }
    }

    private static Object readValue(DataInput in) throws IOException {
      byte tag = in.readByte();
      switch (tag) {
        case 'n':
          return null;
        case 's':
          return in.readUTF();
        case 'l':
          return in.readLong();
        case 'b':
          return in.readBoolean();
        case 'd':
          return new BigDecimal(in.readUTF());
        default:
          throw new IOException("unknown value tag " + tag);
      }
    }
  }

  /**
   * A user's state as the first processor wrote it (formats 1 and 2): a 5-minute transaction
   * count, a 15-minute failed-login count and the latest successful login. Each goes to the slot
   * of the group that declares the same thing; what no slot declares is dropped.
   */
  private static final class FirstProcessorState {
    private static final Selector TRANSACTIONS = new Selector("transaction", Map.of());
    private static final Selector FAILED_LOGINS = new Selector("login", Map.of("success", "false"));
    private static final Selector LOGINS = new Selector("login", Map.of("success", "true"));

    private final Group group;
    private final SlidingWindow transactions = new SlidingWindow(5 * 60_000L, false);
    private final SlidingWindow failedLogins = new SlidingWindow(15 * 60_000L, false);
    private long lastLoginTs;
    private String lastDeviceId;
    private String lastCountry;
    private long lastLoginProcessedAt;
    private long writtenTxCount;
    private long writtenFailedCount;
    private long leaseRenewAt;
    private long loginHighWater = -1;
    private long transactionHighWater = -1;

    FirstProcessorState(Group group, DataInputStream in, boolean oneEntryPerEvent) throws IOException {
      this.group = group;
      lastLoginTs = in.readLong();
      lastDeviceId = readNullable(in);
      lastCountry = readNullable(in);
      lastLoginProcessedAt = in.readLong();
      if (oneEntryPerEvent) {
        writtenTxCount = in.readInt();
        writtenFailedCount = in.readInt();
        leaseRenewAt = in.readLong();
        transactionHighWater = readEvents(in, transactions);
        loginHighWater = readEvents(in, failedLogins);
        return;
      }
      writtenTxCount = readVarLong(in);
      writtenFailedCount = readVarLong(in);
      leaseRenewAt = in.readLong();
      loginHighWater = in.readLong();
      transactionHighWater = in.readLong();
      readCounts(in, transactions);
      readCounts(in, failedLogins);
    }

    EntityState migrate() {
      EntityState s = new EntityState(group);
      s.leaseRenewAt = leaseRenewAt;
      if (loginHighWater >= 0) {
        s.setHighWater(io.featurestore.events.Topics.LOGIN, loginHighWater);
      }
      if (transactionHighWater >= 0) {
        s.setHighWater(io.featurestore.events.Topics.TRANSACTION, transactionHighWater);
      }
      moveCount(s, TRANSACTIONS, 5 * 60_000L, transactions, writtenTxCount);
      moveCount(s, FAILED_LOGINS, 15 * 60_000L, failedLogins, writtenFailedCount);
      for (int i = 0; i < group.lasts.size(); i++) {
        LastSlot slot = group.lasts.get(i);
        if (slot.selector().equals(LOGINS) && lastLoginTs >= 0) {
          s.lastTs[i] = lastLoginTs;
          s.lastProcessedAt[i] = lastLoginProcessedAt;
          List<String> fields = slot.fields();
          for (int f = 0; f < fields.size(); f++) {
            s.lastValues[i][f] = switch (fields.get(f)) {
              case "ts" -> lastLoginTs;
              case "device_id" -> lastDeviceId;
              case "country" -> lastCountry;
              case "success" -> Boolean.TRUE;
              default -> null;
            };
          }
        }
      }
      return s;
    }

    private void moveCount(EntityState s, Selector selector, long widthMs, SlidingWindow from, long writtenCount) {
      WindowSlot wanted = new WindowSlot(selector, null, widthMs);
      int at = group.windows.indexOf(wanted);
      if (at < 0) {
        return;
      }
      for (int i = 0; i < from.size(); i++) {
        s.windows[at].restoreBucket(from.bucketAt(i), from.countAt(i), 0, 0, 0);
      }
      for (int f = 0; f < group.windowFeatures.size(); f++) {
        DeclaredFeatures.Feature feature = group.windowFeatures.get(f);
        if (feature.slot() == at && feature.aggregate() == io.featurestore.core.StreamAggregation.Aggregate.COUNT) {
          s.written[f] = writtenCount > 0 ? writtenCount : Double.NaN;
        }
      }
    }

    private static void readCounts(DataInput in, SlidingWindow w) throws IOException {
      long n = readVarLong(in);
      long bucket = 0;
      for (long i = 0; i < n; i++) {
        bucket = i == 0 ? in.readLong() : bucket + readVarLong(in);
        w.restoreBucket(bucket, readVarLong(in), 0, 0, 0);
      }
    }

    private static long readEvents(DataInputStream in, SlidingWindow w) throws IOException {
      int n = in.readInt();
      long highWater = -1;
      for (int i = 0; i < n; i++) {
        long ts = in.readLong();
        highWater = Math.max(highWater, in.readLong());
        w.add(ts, 0);
      }
      return highWater;
    }

    private static String readNullable(DataInput in) throws IOException {
      return in.readBoolean() ? in.readUTF() : null;
    }
  }

  static void writeVarLong(DataOutput out, long value) throws IOException {
    if (value < 0) {
      throw new IllegalArgumentException("negative varint " + value);
    }
    while ((value & ~0x7FL) != 0) {
      out.writeByte((int) ((value & 0x7F) | 0x80));
      value >>>= 7;
    }
    out.writeByte((int) value);
  }

  static long readVarLong(DataInput in) throws IOException {
    long value = 0;
    for (int shift = 0; shift < 64; shift += 7) {
      byte b = in.readByte();
      value |= (long) (b & 0x7F) << shift;
      if ((b & 0x80) == 0) {
        return value;
      }
    }
    throw new IOException("malformed varint");
  }
}
