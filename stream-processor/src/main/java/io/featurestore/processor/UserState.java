package io.featurestore.processor;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInput;
import java.io.DataInputStream;
import java.io.DataOutput;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.serialization.Serializer;

/**
 * What the processor keeps per user in its changelogged state store: the two sliding
 * windows (time buckets, bounded by the window length), the latest successful login, what it
 * last wrote to Redis, and the highest source offset applied per input topic (so a replayed
 * record is not counted twice). Redis is a view of this state: after a restart every live
 * user is written again from it.
 */
final class UserState {
  static final long TX_WINDOW_MS = 5 * 60 * 1000L;
  static final long FAILED_LOGIN_WINDOW_MS = 15 * 60 * 1000L;
  /** Format 1 kept one entry per event; format 2 keeps time buckets and high-water offsets. */
  private static final byte FORMAT_EVENTS = 1;
  private static final byte FORMAT = 2;

  final SlidingWindow transactions;
  final SlidingWindow failedLogins;
  /** Event time of the latest successful login, or -1. */
  long lastLoginTs = -1;
  String lastDeviceId;
  String lastCountry;
  /** Wall-clock time the latest login was processed (its fields expire one stream TTL later). */
  long lastLoginProcessedAt = -1;
  /** Counts as last written to Redis (0 = absent). */
  long writtenTxCount;
  long writtenFailedCount;
  /** Wall-clock time at which the written counts' lease must be renewed. */
  long leaseRenewAt = Long.MAX_VALUE;
  /** Highest source offset applied from the login and the transaction topic, or -1. */
  long loginHighWater = -1;
  long transactionHighWater = -1;

  UserState() {
    this(new SlidingWindow(TX_WINDOW_MS, false), new SlidingWindow(FAILED_LOGIN_WINDOW_MS, false));
  }

  private UserState(SlidingWindow transactions, SlidingWindow failedLogins) {
    this.transactions = transactions;
    this.failedLogins = failedLogins;
  }

  /** When the last-login fields expire in Redis (one stream TTL after the login was processed), or -1. */
  long loginExpiresAt(long streamTtlMs) {
    return lastLoginTs < 0 ? -1 : lastLoginProcessedAt + streamTtlMs;
  }

  /** Nothing live left at {@code now}: empty windows and no login fact that is still served. */
  boolean isDead(long now, long streamTtlMs) {
    return transactions.isEmpty() && failedLogins.isEmpty() && loginExpiresAt(streamTtlMs) <= now;
  }

  static Serde<UserState> serde() {
    return Serdes.serdeFrom(new UserStateSerializer(), new UserStateDeserializer());
  }

  static final class UserStateSerializer implements Serializer<UserState> {
    @Override
    public byte[] serialize(String topic, UserState s) {
      if (s == null) {
        return null;
      }
      ByteArrayOutputStream bytes = new ByteArrayOutputStream(80 + 4 * (s.transactions.size() + s.failedLogins.size()));
      try (DataOutputStream out = new DataOutputStream(bytes)) {
        out.writeByte(FORMAT);
        out.writeLong(s.lastLoginTs);
        writeNullable(out, s.lastDeviceId);
        writeNullable(out, s.lastCountry);
        out.writeLong(s.lastLoginProcessedAt);
        writeVarLong(out, s.writtenTxCount);
        writeVarLong(out, s.writtenFailedCount);
        out.writeLong(s.leaseRenewAt);
        out.writeLong(s.loginHighWater);
        out.writeLong(s.transactionHighWater);
        writeWindow(out, s.transactions);
        writeWindow(out, s.failedLogins);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
      return bytes.toByteArray();
    }

    private static void writeNullable(DataOutput out, String s) throws IOException {
      out.writeBoolean(s != null);
      if (s != null) {
        out.writeUTF(s);
      }
    }

    /** Buckets as deltas from the previous one: a full window of 9,000 buckets is about 20 KB. */
    private static void writeWindow(DataOutput out, SlidingWindow w) throws IOException {
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
  }

  static final class UserStateDeserializer implements Deserializer<UserState> {
    @Override
    public UserState deserialize(String topic, byte[] data) {
      if (data == null) {
        return null;
      }
      try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(data))) {
        byte format = in.readByte();
        if (format == FORMAT_EVENTS) {
          return readEventsFormat(in);
        }
        if (format != FORMAT) {
          throw new IllegalStateException("unknown user state format " + format);
        }
        UserState s = new UserState();
        s.lastLoginTs = in.readLong();
        s.lastDeviceId = readNullable(in);
        s.lastCountry = readNullable(in);
        s.lastLoginProcessedAt = in.readLong();
        s.writtenTxCount = readVarLong(in);
        s.writtenFailedCount = readVarLong(in);
        s.leaseRenewAt = in.readLong();
        s.loginHighWater = in.readLong();
        s.transactionHighWater = in.readLong();
        readWindow(in, s.transactions);
        readWindow(in, s.failedLogins);
        return s;
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }

    private static void readWindow(DataInput in, SlidingWindow w) throws IOException {
      long n = readVarLong(in);
      long bucket = 0;
      for (long i = 0; i < n; i++) {
        bucket = i == 0 ? in.readLong() : bucket + readVarLong(in);
        long count = readVarLong(in);
        if (w.withValues()) {
          w.restoreBucket(bucket, count, in.readDouble(), in.readDouble(), in.readDouble());
        } else {
          w.restoreBucket(bucket, count, 0, 0, 0);
        }
      }
    }

    /** State written by the previous version (one entry per event, with its source offset). */
    private static UserState readEventsFormat(DataInputStream in) throws IOException {
      UserState s = new UserState();
      s.lastLoginTs = in.readLong();
      s.lastDeviceId = readNullable(in);
      s.lastCountry = readNullable(in);
      s.lastLoginProcessedAt = in.readLong();
      s.writtenTxCount = in.readInt();
      s.writtenFailedCount = in.readInt();
      s.leaseRenewAt = in.readLong();
      s.transactionHighWater = readEvents(in, s.transactions);
      s.loginHighWater = readEvents(in, s.failedLogins);
      return s;
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
