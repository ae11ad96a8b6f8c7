package ates.contract;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import com.fasterxml.jackson.module.paramnames.ParameterNamesModule;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.UUID;

/**
 * JSON of the event contract: encoding an envelope for Kafka, and decoding plus validating one
 * received from Kafka. Timestamps are ISO-8601 UTC; nulls are written (a {@code jiraId} of null is
 * part of the contract); unknown fields are ignored (new optional fields are compatible).
 */
public final class EventJson {

  public static final ObjectMapper MAPPER =
      new ObjectMapper()
          .registerModule(new JavaTimeModule())
          .registerModule(new ParameterNamesModule())
          .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS)
          .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
          .disable(DeserializationFeature.ADJUST_DATES_TO_CONTEXT_TIME_ZONE)
          .setSerializationInclusion(JsonInclude.Include.ALWAYS);

  private EventJson() {}

  /**
   * Builds an envelope around {@code data} (a contract record such as {@code UserRegisteredV1}).
   */
  public static EventEnvelope envelope(
      UUID eventId,
      String eventName,
      int version,
      Instant eventTime,
      String producer,
      Object data) {
    return new EventEnvelope(
        eventId, eventName, version, eventTime, producer, MAPPER.valueToTree(data));
  }

  public static byte[] encode(EventEnvelope envelope) {
    try {
      return MAPPER.writeValueAsBytes(envelope);
    } catch (JsonProcessingException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * Parses and validates a record value against the schema of its name and version.
   *
   * @throws InvalidEventException with a reason a person can act on, when the value is not UTF-8
   *     JSON, names an unknown event or version, or fails its schema
   */
  public static EventEnvelope decode(byte[] value) {
    if (value == null) throw new InvalidEventException("record has no value");
    JsonNode tree;
    try {
      tree = MAPPER.readTree(new String(value, StandardCharsets.UTF_8));
    } catch (IOException e) {
      throw new InvalidEventException("value is not JSON: " + firstLine(e.getMessage()));
    }
    if (tree == null || !tree.isObject())
      throw new InvalidEventException("value is not a JSON object");
    EventSchemas.validate(tree);
    try {
      return MAPPER.treeToValue(tree, EventEnvelope.class);
    } catch (IOException e) {
      throw new InvalidEventException("envelope cannot be read: " + firstLine(e.getMessage()));
    }
  }

  /** Maps an envelope's data to the record of its name and version. */
  public static <T> T dataAs(EventEnvelope envelope, Class<T> type) {
    try {
      return MAPPER.treeToValue(envelope.data(), type);
    } catch (IOException e) {
      throw new InvalidEventException(
          envelope.eventName() + " data cannot be read: " + firstLine(e.getMessage()));
    }
  }

  static String firstLine(String message) {
    if (message == null) return "";
    int nl = message.indexOf('\n');
    return nl < 0 ? message : message.substring(0, nl);
  }
}
