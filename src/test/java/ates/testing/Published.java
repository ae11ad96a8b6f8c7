package ates.testing;

import ates.contract.EventEnvelope;
import ates.contract.EventJson;
import ates.platform.kafka.EventRecords;
import ates.platform.kafka.OutgoingEvent;
import java.util.UUID;
import org.apache.kafka.clients.producer.ProducerRecord;

/**
 * An outgoing event as the publisher sends it and a consumer reads it: the Kafka record built by
 * {@link EventRecords#toRecord} (which validates it against its contract schema), and its value
 * decoded and validated again by {@link EventJson#decode}. No broker involved.
 */
public record Published(ProducerRecord<String, byte[]> record, EventEnvelope envelope) {

  public static Published of(OutgoingEvent event, UUID eventId, String producer) {
    ProducerRecord<String, byte[]> record = EventRecords.toRecord(event, eventId, producer, "");
    return new Published(record, EventJson.decode(record.value()));
  }

  /** A field of the envelope's data, as JSON text ({@code null} for a JSON null). */
  public String data(String field) {
    if (!envelope.data().has(field)) throw new AssertionError("no field " + field);
    return envelope.data().get(field).isNull() ? null : envelope.data().get(field).asText();
  }
}
