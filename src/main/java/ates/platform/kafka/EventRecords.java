package ates.platform.kafka;

import ates.contract.EventEnvelope;
import ates.contract.EventJson;
import ates.contract.EventSchemas;
import java.nio.charset.StandardCharsets;
import java.util.UUID;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;

/** Turns outgoing events into validated Kafka records per the contract. */
public final class EventRecords {

  private EventRecords() {}

  /**
   * The envelope's {@code eventId} is derived from the journal event (persistence id and sequence
   * number) and the record's index among that event's records, so republishing the same journal
   * event yields the same id.
   */
  public static UUID eventId(String persistenceId, long sequenceNr, int index) {
    return UUID.nameUUIDFromBytes(
        (persistenceId + "#" + sequenceNr + "#" + index).getBytes(StandardCharsets.UTF_8));
  }

  /**
   * Builds the record and validates it against the contract's schema.
   *
   * @throws ates.contract.InvalidEventException when the event breaks its schema (a bug of the
   *     producer: nothing is published)
   */
  public static ProducerRecord<String, byte[]> toRecord(
      OutgoingEvent event, UUID eventId, String producer, String topicPrefix) {
    EventEnvelope envelope =
        EventJson.envelope(
            eventId,
            event.eventName(),
            event.eventVersion(),
            event.eventTime(),
            producer,
            event.data());
    EventSchemas.validate(EventJson.MAPPER.valueToTree(envelope));
    Headers headers = new RecordHeaders();
    headers.add(
        EventEnvelope.HEADER_EVENT_NAME, event.eventName().getBytes(StandardCharsets.UTF_8));
    headers.add(
        EventEnvelope.HEADER_EVENT_VERSION,
        Integer.toString(event.eventVersion()).getBytes(StandardCharsets.UTF_8));
    return new ProducerRecord<>(
        topicPrefix + event.topic(), null, event.key(), EventJson.encode(envelope), headers);
  }
}
