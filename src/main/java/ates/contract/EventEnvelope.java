package ates.contract;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Instant;
import java.util.UUID;

/**
 * The envelope of every record value on every topic (events.md). {@code data} is kept as JSON so
 * that a consumer can read every version it accepts; {@link EventJson#dataAs} maps it to a record.
 */
public record EventEnvelope(
    UUID eventId,
    String eventName,
    int eventVersion,
    Instant eventTime,
    String producer,
    JsonNode data) {

  /** Record header names that repeat the envelope's values. */
  public static final String HEADER_EVENT_NAME = "eventName";

  public static final String HEADER_EVENT_VERSION = "eventVersion";
}
