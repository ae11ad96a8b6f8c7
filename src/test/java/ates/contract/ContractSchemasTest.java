package ates.contract;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

/**
 * The event schemas are the public contract. A published version may only gain optional fields: its
 * required fields are frozen here, so removing or renaming one (or requiring a new one) fails this
 * test and calls for a new {@code eventVersion} with its own schema.
 */
class ContractSchemasTest {

  /** Required data fields of every published event version, frozen. */
  private static final Map<String, Set<String>> FROZEN_V1 =
      Map.of(
          "UserRegistered", Set.of("userId", "login", "fullName", "email", "role", "registeredAt"),
          "UserRoleChanged", Set.of("userId", "role", "changedAt"),
          "TaskCreated",
              Set.of(
                  "taskId",
                  "title",
                  "jiraId",
                  "description",
                  "assigneeId",
                  "assignFee",
                  "completionReward",
                  "createdBy",
                  "createdAt"),
          "TaskAssigned",
              Set.of(
                  "taskId",
                  "assignmentNo",
                  "title",
                  "jiraId",
                  "assigneeId",
                  "previousAssigneeId",
                  "assignFee",
                  "reason",
                  "assignedAt"),
          "TaskCompleted",
              Set.of("taskId", "title", "jiraId", "assigneeId", "completionReward", "completedAt"),
          "TransactionCreated",
              Set.of(
                  "transactionId",
                  "accountId",
                  "type",
                  "direction",
                  "amount",
                  "balanceAfter",
                  "taskId",
                  "description",
                  "billingDate",
                  "createdAt"));

  private static JsonNode schema(String name) throws Exception {
    try (InputStream in =
        ContractSchemasTest.class.getResourceAsStream(EventSchemas.resourcePath(name, 1))) {
      return EventJson.MAPPER.readTree(in);
    }
  }

  @Test
  void published_versions_keep_their_required_fields() throws Exception {
    for (var entry : FROZEN_V1.entrySet()) {
      JsonNode data = schema(entry.getKey()).get("properties").get("data");
      Set<String> required = new TreeSet<>();
      data.get("required").forEach(n -> required.add(n.asText()));
      assertEquals(
          new TreeSet<>(entry.getValue()), required, entry.getKey() + " v1 changed incompatibly");
    }
  }

  @Test
  void every_topic_event_has_a_schema() {
    for (String name : FROZEN_V1.keySet()) assertTrue(EventSchemas.known(name, 1), name);
  }

  private static ObjectNode userRegistered() throws Exception {
    String json =
        "{\"eventId\":\"5f0c7a1e-0d3b-4a53-9d0e-1b2c3d4e5f60\",\"eventName\":\"UserRegistered\","
            + "\"eventVersion\":1,\"eventTime\":\"2026-11-24T10:15:30.123Z\",\"producer\":\"identity\","
            + "\"data\":{\"userId\":\"5f0c7a1e-0d3b-4a53-9d0e-1b2c3d4e5f61\",\"login\":\"popug\","
            + "\"fullName\":\"Popug\",\"email\":\"p@ex.com\",\"role\":\"worker\","
            + "\"registeredAt\":\"2026-11-24T10:15:30.123Z\"}}";
    return (ObjectNode) EventJson.MAPPER.readTree(json);
  }

  private static byte[] bytes(JsonNode node) {
    return node.toString().getBytes(StandardCharsets.UTF_8);
  }

  @Test
  void a_valid_event_decodes_and_a_new_optional_field_is_compatible() throws Exception {
    ObjectNode event = userRegistered();
    ((ObjectNode) event.get("data")).put("nickname", "added later");

    EventEnvelope envelope = EventJson.decode(bytes(event));

    assertEquals("popug", envelope.data().get("login").asText());
  }

  @Test
  void invalid_events_are_refused_with_a_reason() throws Exception {
    List<ObjectNode> bad = new ArrayList<>();
    ObjectNode missing = userRegistered();
    ((ObjectNode) missing.get("data")).remove("login");
    bad.add(missing);
    ObjectNode wrongRole = userRegistered();
    ((ObjectNode) wrongRole.get("data")).put("role", "boss");
    bad.add(wrongRole);
    ObjectNode unknownVersion = userRegistered();
    unknownVersion.put("eventVersion", 7);
    bad.add(unknownVersion);
    ObjectNode badId = userRegistered();
    badId.put("eventId", "not-a-uuid");
    bad.add(badId);

    for (ObjectNode event : bad) {
      InvalidEventException e =
          assertThrows(InvalidEventException.class, () -> EventJson.decode(bytes(event)));
      assertTrue(!e.getMessage().isBlank());
    }
    assertThrows(
        InvalidEventException.class, () -> EventJson.decode("{".getBytes(StandardCharsets.UTF_8)));
  }
}
