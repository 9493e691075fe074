package io.featurestore.processor;

import io.featurestore.core.FeatureRegistry;
import io.featurestore.events.Event;
import java.nio.charset.StandardCharsets;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.processor.api.RecordMetadata;

/**
 * Keys the events that an entity other than the user declares features on by that entity's id
 * (the event field its declarations name), on the way to its repartition topic. Each record
 * carries where it came from ({@link #SOURCE_HEADER}: {@code topic:partition@offset}), which
 * identifies the event when a crash makes this step write it twice.
 *
 * <p>An event whose id for this entity is missing or breaks the entity's id rule cannot reach
 * that entity; it still counts for the user. It is counted
 * ({@code fs_processor_unkeyed_events{entity}}) and logged (once per task and a thousand
 * events), not dead-lettered: the event itself is valid.
 */
final class Rekey implements Processor<String, Event, String, Event> {
  static final String SOURCE_HEADER = "fs.source";

  private final DeclaredFeatures.Group group;
  private final FeatureRegistry entity;
  private final ProcessorMetrics metrics;
  private ProcessorContext<String, Event> context;
  private long unkeyed;

  Rekey(DeclaredFeatures.Group group, FeatureRegistry registry, ProcessorMetrics metrics) {
    this.group = group;
    this.entity = registry.forEntity(group.entity);
    this.metrics = metrics;
  }

  @Override
  public void init(ProcessorContext<String, Event> context) {
    this.context = context;
  }

  @Override
  public void process(Record<String, Event> record) {
    Event event = record.value();
    if (!group.eventTypes.contains(event.type())) {
      return;
    }
    String id = group.idOf(event);
    if (id == null || !entity.isValidEntityId(id)) {
      metrics.unkeyedEvent(group.entity);
      if (unkeyed++ % 1000 == 0) {
        org.slf4j.LoggerFactory.getLogger(Rekey.class).warn(
            "{} event of user '{}' has {} '{}', not a valid {} id: it counts for the user, not for any {} ({} such events "
                + "in this task)", event.type(), event.userId(), group.keyField, id, group.entity, group.entity, unkeyed);
      }
      return;
    }
    RecordMetadata origin = context.recordMetadata().orElse(null);
    RecordHeaders headers = new RecordHeaders();
    if (origin != null && origin.offset() >= 0) {
      headers.add(SOURCE_HEADER, (origin.topic() + ":" + origin.partition() + "@" + origin.offset())
          .getBytes(StandardCharsets.UTF_8));
    }
    context.forward(new Record<>(id, event, record.timestamp(), headers));
  }
}
