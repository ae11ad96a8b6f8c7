package ates.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * One HTTP answer as it came over the wire: status, headers (names case-insensitive), the raw body
 * and how long it took from the first byte sent to the last byte read. Status 0 means no answer
 * (timeout or closed connection); {@link #body} then says why.
 */
public record Answer(int status, Map<String, List<String>> headers, byte[] body, Duration elapsed) {

  private static final ObjectMapper MAPPER = new ObjectMapper();

  public Answer {
    Map<String, List<String>> copy = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
    headers.forEach(
        (name, values) ->
            copy.computeIfAbsent(name, n -> new java.util.ArrayList<>()).addAll(values));
    headers = copy;
  }

  public static Answer none(String why, Duration elapsed) {
    return new Answer(0, Map.of(), why.getBytes(StandardCharsets.UTF_8), elapsed);
  }

  public Optional<String> header(String name) {
    List<String> values = headers.get(name);
    return values == null || values.isEmpty() ? Optional.empty() : Optional.of(values.get(0));
  }

  public String contentType() {
    return header("Content-Type").orElse("");
  }

  public String text() {
    return new String(body, StandardCharsets.UTF_8);
  }

  public JsonNode json() {
    try {
      return MAPPER.readTree(body);
    } catch (IOException e) {
      throw new AssertionError("not JSON: " + this, e);
    }
  }

  /**
   * What is wrong with this answer as the {@code application/problem+json} of its own status, or
   * empty when nothing is: the content type, a JSON object with string {@code type}, {@code title}
   * and {@code detail}, and a {@code status} equal to the HTTP status.
   */
  public Optional<String> problemDefect(boolean expectBody) {
    if (!contentType().startsWith("application/problem+json"))
      return Optional.of("content type '" + contentType() + "' is not application/problem+json");
    if (!expectBody) return Optional.empty();
    JsonNode problem;
    try {
      problem = MAPPER.readTree(body);
    } catch (IOException e) {
      return Optional.of("body is not JSON");
    }
    if (problem == null || !problem.isObject()) return Optional.of("body is not a JSON object");
    for (String field : List.of("type", "title", "detail")) {
      if (!problem.path(field).isTextual())
        return Optional.of("'" + field + "' is missing or not a string");
    }
    if (problem.path("detail").asText().isBlank()) return Optional.of("'detail' is blank");
    if (!problem.path("status").isInt() || problem.get("status").asInt() != status)
      return Optional.of(
          "'status' " + problem.path("status") + " is not the HTTP status " + status);
    return Optional.empty();
  }

  @Override
  public String toString() {
    String text = text();
    if (text.length() > 300) text = text.substring(0, 300) + "…";
    return status + " [" + contentType() + "] in " + elapsed.toMillis() + " ms: " + text;
  }
}
