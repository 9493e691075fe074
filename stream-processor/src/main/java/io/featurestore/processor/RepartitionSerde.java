package io.featurestore.processor;

import io.featurestore.events.Event;
import io.featurestore.events.LoginEvent;
import io.featurestore.events.TransactionEvent;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.math.BigInteger;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.serialization.Serializer;

/**
 * Events on the repartition topics, in a compact binary form of the already validated event:
 * a type byte, then its fields in record order (amounts as unscaled value and scale, so they stay
 * exact). The topics are this application's own; writing the event's JSON again and parsing it
 * with full validation on the other side cost a large share of the processor's CPU per event.
 */
final class RepartitionSerde {
  private static final byte LOGIN = 'L';
  private static final byte TRANSACTION = 'T';

  private RepartitionSerde() {}

  static Serde<Event> serde() {
    return Serdes.serdeFrom(new EventSerializer(), new EventDeserializer());
  }

  private static final class EventSerializer implements Serializer<Event> {
    @Override
    public byte[] serialize(String topic, Event event) {
      if (event == null) {
        return null;
      }
      ByteArrayOutputStream bytes = new ByteArrayOutputStream(64);
      try (DataOutputStream out = new DataOutputStream(bytes)) {
        if (event instanceof LoginEvent login) {
          out.writeByte(LOGIN);
          out.writeUTF(login.userId());
          out.writeLong(login.ts());
          out.writeUTF(login.deviceId());
          out.writeUTF(login.country());
          out.writeBoolean(login.success());
        } else {
          TransactionEvent tx = (TransactionEvent) event;
          out.writeByte(TRANSACTION);
          out.writeUTF(tx.userId());
          out.writeLong(tx.ts());
          byte[] unscaled = tx.amount().unscaledValue().toByteArray();
          out.writeByte(unscaled.length);
          out.write(unscaled);
          out.writeInt(tx.amount().scale());
          out.writeUTF(tx.currency());
          out.writeUTF(tx.country());
          out.writeUTF(tx.merchantId());
        }
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
      return bytes.toByteArray();
    }
  }

  private static final class EventDeserializer implements Deserializer<Event> {
    @Override
    public Event deserialize(String topic, byte[] data) {
      if (data == null) {
        return null;
      }
      try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(data))) {
        byte type = in.readByte();
        if (type == LOGIN) {
          return new LoginEvent(in.readUTF(), in.readLong(), in.readUTF(), in.readUTF(), in.readBoolean());
        }
        if (type != TRANSACTION) {
          throw new IllegalStateException("unknown event type byte " + type + " on " + topic);
        }
        String user = in.readUTF();
        long ts = in.readLong();
        byte[] unscaled = new byte[in.readUnsignedByte()];
        in.readFully(unscaled);
        BigDecimal amount = new BigDecimal(new BigInteger(unscaled), in.readInt());
        return new TransactionEvent(user, ts, amount, in.readUTF(), in.readUTF(), in.readUTF());
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
  }
}
