package ates.contract;

import com.fasterxml.jackson.databind.JsonNode;
import com.networknt.schema.JsonSchema;
import com.networknt.schema.JsonSchemaFactory;
import com.networknt.schema.SchemaValidatorsConfig;
import com.networknt.schema.SpecVersion;
import com.networknt.schema.ValidationMessage;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Collectors;

/**
 * The JSON Schemas of the contract, one file per event name and version under {@code
 * /contract/schemas/<EventName>.v<version>.json}. Producers validate before they publish, consumers
 * before they act.
 */
public final class EventSchemas {

  private static final JsonSchemaFactory FACTORY =
      JsonSchemaFactory.getInstance(SpecVersion.VersionFlag.V7);
  private static final Map<String, JsonSchema> CACHE = new ConcurrentHashMap<>();

  private EventSchemas() {}

  public static String resourcePath(String eventName, int version) {
    return "/contract/schemas/" + eventName + ".v" + version + ".json";
  }

  /** Whether the contract has a schema for this event name and version. */
  public static boolean known(String eventName, int version) {
    return EventSchemas.class.getResource(resourcePath(eventName, version)) != null;
  }

  /**
   * Validates a whole envelope (as JSON) against the schema its {@code eventName} and {@code
   * eventVersion} name.
   *
   * @throws InvalidEventException naming what is wrong
   */
  public static void validate(JsonNode envelope) {
    JsonNode name = envelope.get("eventName");
    JsonNode version = envelope.get("eventVersion");
    if (name == null || !name.isTextual()) throw new InvalidEventException("missing eventName");
    if (version == null || !version.canConvertToInt())
      throw new InvalidEventException("missing eventVersion");
    JsonSchema schema = schema(name.asText(), version.asInt());
    Set<ValidationMessage> errors = schema.validate(envelope);
    if (!errors.isEmpty()) {
      throw new InvalidEventException(
          name.asText()
              + " v"
              + version.asInt()
              + " fails its schema: "
              + errors.stream()
                  .map(ValidationMessage::getMessage)
                  .sorted()
                  .collect(Collectors.joining("; ")));
    }
  }

  private static JsonSchema schema(String eventName, int version) {
    String path = resourcePath(eventName, version);
    JsonSchema cached = CACHE.get(path);
    if (cached != null) return cached;
    try (InputStream in = EventSchemas.class.getResourceAsStream(path)) {
      if (in == null)
        throw new InvalidEventException("unknown event " + eventName + " v" + version);
      SchemaValidatorsConfig config = new SchemaValidatorsConfig();
      config.setFormatAssertionsEnabled(true);
      JsonSchema schema = FACTORY.getSchema(in, config);
      CACHE.put(path, schema);
      return schema;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
