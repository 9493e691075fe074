package io.featurestore.processor;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.serialization.Serializer;

/**
 * What the processor keeps per user in its changelogged state store: the two sliding
 * windows, the latest successful login, and what it last wrote to Redis. Redis is a view
 * of this state: after a restart every user is written again from it.
 */
final class UserState {
  static final long TX_WINDOW_MS = 5 * 60 * 1000L;
  static final long FAILED_LOGIN_WINDOW_MS = 15 * 60 * 1000L;
  private static final byte FORMAT = 1;

  final EventWindow transactions;
  final EventWindow failedLogins;
  /** Event time of the latest successful login, or -1. */
  long lastLoginTs = -1;
  String lastDeviceId;
  String lastCountry;
  /** Wall-clock time the latest login was processed (its fields expire one stream TTL later). */
  long lastLoginProcessedAt = -1;
  /** Counts as last written to Redis (0 = absent). */
  int writtenTxCount;
  int writtenFailedCount;
  /** Wall-clock time at which the written counts' lease must be renewed. */
  long leaseRenewAt = Long.MAX_VALUE;

  UserState() {
    this(new EventWindow(TX_WINDOW_MS), new EventWindow(FAILED_LOGIN_WINDOW_MS));
  }

  private UserState(EventWindow transactions, EventWindow failedLogins) {
    this.transactions = transactions;
    this.failedLogins = failedLogins;
  }

  /** Nothing left worth keeping: no window content and no login fact. */
  boolean isEmpty() {
    return transactions.isEmpty() && failedLogins.isEmpty() && lastLoginTs < 0;
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
      ByteArrayOutputStream bytes = new ByteArrayOutputStream(64 + 16 * (s.transactions.size() + s.failedLogins.size()));
      try (DataOutputStream out = new DataOutputStream(bytes)) {
        out.writeByte(FORMAT);
        out.writeLong(s.lastLoginTs);
        writeNullable(out, s.lastDeviceId);
        writeNullable(out, s.lastCountry);
        out.writeLong(s.lastLoginProcessedAt);
        out.writeInt(s.writtenTxCount);
        out.writeInt(s.writtenFailedCount);
        out.writeLong(s.leaseRenewAt);
        writeWindow(out, s.transactions);
        writeWindow(out, s.failedLogins);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
      return bytes.toByteArray();
    }

    private static void writeNullable(DataOutputStream out, String s) throws IOException {
      out.writeBoolean(s != null);
      if (s != null) {
        out.writeUTF(s);
      }
    }

    private static void writeWindow(DataOutputStream out, EventWindow w) throws IOException {
      out.writeInt(w.size());
      for (int i = 0; i < w.size(); i++) {
        out.writeLong(w.tsAt(i));
        out.writeLong(w.idAt(i));
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
        if (format != FORMAT) {
          throw new IllegalStateException("unknown user state format " + format);
        }
        long lastLoginTs = in.readLong();
        String device = readNullable(in);
        String country = readNullable(in);
        long processedAt = in.readLong();
        int writtenTx = in.readInt();
        int writtenFailed = in.readInt();
        long leaseRenewAt = in.readLong();
        UserState s = new UserState(readWindow(in, TX_WINDOW_MS), readWindow(in, FAILED_LOGIN_WINDOW_MS));
        s.lastLoginTs = lastLoginTs;
        s.lastDeviceId = device;
        s.lastCountry = country;
        s.lastLoginProcessedAt = processedAt;
        s.writtenTxCount = writtenTx;
        s.writtenFailedCount = writtenFailed;
        s.leaseRenewAt = leaseRenewAt;
        return s;
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }

    private static String readNullable(DataInputStream in) throws IOException {
      return in.readBoolean() ? in.readUTF() : null;
    }

    private static EventWindow readWindow(DataInputStream in, long width) throws IOException {
      int n = in.readInt();
      long[] ts = new long[n];
      long[] ids = new long[n];
      for (int i = 0; i < n; i++) {
        ts[i] = in.readLong();
        ids[i] = in.readLong();
      }
      return new EventWindow(width, ts, ids);
    }
  }
}
