package ates.platform.http;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.DeserializationContext;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.deser.std.StdScalarDeserializer;
import com.fasterxml.jackson.databind.deser.std.StringDeserializer;
import com.fasterxml.jackson.databind.module.SimpleModule;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import com.fasterxml.jackson.module.paramnames.ParameterNamesModule;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

/**
 * JSON of the HTTP API: ISO-8601 timestamps, nulls written, unknown request fields ignored. Request
 * bodies are strict: UTF-8 only (malformed bytes are refused, not replaced), a key given twice is
 * refused, nothing may follow the JSON value, and no string may hold a lone UTF-16 surrogate (a
 * {@code "\ud800"} escape).
 */
public final class HttpJson {
  public static final ObjectMapper MAPPER =
      new ObjectMapper()
          .registerModule(new JavaTimeModule())
          .registerModule(new ParameterNamesModule())
          .registerModule(
              new SimpleModule("ates-strict-strings")
                  .addDeserializer(String.class, new WellFormedStrings()))
          .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION)
          .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS)
          .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
          .disable(DeserializationFeature.ADJUST_DATES_TO_CONTEXT_TIME_ZONE)
          .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
          .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
          .setSerializationInclusion(JsonInclude.Include.ALWAYS);

  private HttpJson() {}

  /** A request body as {@code type}: 400 problem when it is not UTF-8 or not valid JSON for it. */
  public static <T> T read(byte[] body, Class<T> type) throws IOException {
    String text;
    try {
      text =
          StandardCharsets.UTF_8
              .newDecoder()
              .onMalformedInput(CodingErrorAction.REPORT)
              .onUnmappableCharacter(CodingErrorAction.REPORT)
              .decode(ByteBuffer.wrap(body))
              .toString();
    } catch (CharacterCodingException e) {
      throw ProblemException.badRequest("the body is not valid UTF-8");
    }
    return MAPPER.readValue(text, type);
  }

  /** Strings as Jackson reads them, refusing lone surrogates with a 400 that names the field. */
  private static final class WellFormedStrings extends StdScalarDeserializer<String> {
    WellFormedStrings() {
      super(String.class);
    }

    @Override
    public String deserialize(JsonParser p, DeserializationContext ctxt) throws IOException {
      String value = StringDeserializer.instance.deserialize(p, ctxt);
      if (value != null && !Validation.isWellFormed(value)) {
        String field = p.getParsingContext().getCurrentName();
        throw ProblemException.invalidField(
            field == null ? "(value)" : field, "must be well-formed Unicode (a lone surrogate)");
      }
      return value;
    }
  }
}
