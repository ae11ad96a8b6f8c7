package ates.contract;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import ates.contract.events.TaskAssignedV1;
import ates.contract.events.TransactionCreatedV1;
import com.fasterxml.jackson.databind.JsonNode;
import java.io.InputStream;
import java.time.Instant;
import java.time.LocalDate;
import java.util.Arrays;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * Every contract enum constant pinned to its wire string (events.md): renaming a constant breaks
 * the compilation of this test, changing a wire name or adding a constant breaks an assertion.
 */
class WireNamesTest {

  private static final Map<TransactionType, String> TYPES =
      Map.of(
          TransactionType.ASSIGNMENT_FEE, "assignment_fee",
          TransactionType.COMPLETION_REWARD, "completion_reward",
          TransactionType.PAYOUT, "payout");

  private static final Map<Direction, String> DIRECTIONS =
      Map.of(Direction.DEBIT, "debit", Direction.CREDIT, "credit");

  private static final Map<AssignmentReason, String> REASONS =
      Map.of(AssignmentReason.CREATED, "created", AssignmentReason.SHUFFLE, "shuffle");

  private static final Map<Role, String> ROLES =
      Map.of(
          Role.WORKER, "worker",
          Role.MANAGER, "manager",
          Role.ACCOUNTANT, "accountant",
          Role.ADMIN, "admin");

  @Test
  void transaction_types_keep_their_wire_names_and_directions() throws Exception {
    assertEquals(TYPES.keySet(), Set.of(TransactionType.values()));
    TYPES.forEach(
        (type, wire) -> {
          assertEquals(wire, type.wireName());
          assertEquals(type, TransactionType.fromWire(wire));
        });
    assertEquals(Direction.DEBIT, TransactionType.ASSIGNMENT_FEE.direction());
    assertEquals(Direction.CREDIT, TransactionType.COMPLETION_REWARD.direction());
    assertEquals(Direction.DEBIT, TransactionType.PAYOUT.direction());
    assertEquals(wireEnum("TransactionCreated", "type"), new TreeSet<>(TYPES.values()));
  }

  @Test
  void directions_keep_their_wire_names_and_signs() throws Exception {
    assertEquals(DIRECTIONS.keySet(), Set.of(Direction.values()));
    DIRECTIONS.forEach(
        (d, wire) -> {
          assertEquals(wire, d.wireName());
          assertEquals(d, Direction.fromWire(wire));
        });
    assertEquals(1500, Direction.CREDIT.signed(1500));
    assertEquals(-1500, Direction.DEBIT.signed(1500));
    assertEquals(wireEnum("TransactionCreated", "direction"), new TreeSet<>(DIRECTIONS.values()));
  }

  @Test
  void assignment_reasons_and_roles_keep_their_wire_names() throws Exception {
    assertEquals(REASONS.keySet(), Set.of(AssignmentReason.values()));
    REASONS.forEach((r, wire) -> assertEquals(r, AssignmentReason.fromWire(wire)));
    REASONS.forEach((r, wire) -> assertEquals(wire, r.wireName()));
    assertEquals(wireEnum("TaskAssigned", "reason"), new TreeSet<>(REASONS.values()));
    assertEquals(ROLES.keySet(), Set.of(Role.values()));
    ROLES.forEach((r, wire) -> assertEquals(wire, r.wireName()));
  }

  @Test
  void an_unknown_wire_name_is_refused() {
    assertThrows(IllegalArgumentException.class, () -> TransactionType.fromWire("ASSIGNMENT_FEE"));
    assertThrows(IllegalArgumentException.class, () -> Direction.fromWire("Debit"));
    assertThrows(IllegalArgumentException.class, () -> AssignmentReason.fromWire("manual"));
  }

  @Test
  void typed_contract_events_have_the_json_of_events_md() throws Exception {
    UUID account = UUID.fromString("5f0c7a1e-0d3b-4a53-9d0e-1b2c3d4e5f61");
    UUID task = UUID.fromString("5f0c7a1e-0d3b-4a53-9d0e-1b2c3d4e5f62");
    TransactionCreatedV1 tx =
        new TransactionCreatedV1(
            "fee:" + task + ":2",
            account,
            TransactionType.ASSIGNMENT_FEE,
            Direction.DEBIT,
            1500,
            -1500,
            task,
            "Assignment fee",
            LocalDate.parse("2026-11-24"),
            Instant.parse("2026-11-24T10:15:30.123Z"));
    String txJson =
        "{\"transactionId\":\"fee:"
            + task
            + ":2\",\"accountId\":\""
            + account
            + "\","
            + "\"type\":\"assignment_fee\",\"direction\":\"debit\",\"amount\":1500,"
            + "\"balanceAfter\":-1500,\"taskId\":\""
            + task
            + "\","
            + "\"description\":\"Assignment fee\","
            + "\"billingDate\":\"2026-11-24\",\"createdAt\":\"2026-11-24T10:15:30.123Z\"}";
    assertEquals(txJson, EventJson.MAPPER.writeValueAsString(tx));
    assertEquals(tx, EventJson.MAPPER.readValue(txJson, TransactionCreatedV1.class));

    TaskAssignedV1 assigned =
        new TaskAssignedV1(
            task,
            2,
            "Feed",
            null,
            account,
            null,
            1500,
            AssignmentReason.SHUFFLE,
            Instant.parse("2026-11-24T10:15:30Z"));
    JsonNode json = EventJson.MAPPER.valueToTree(assigned);
    assertEquals("shuffle", json.get("reason").asText());
    assertEquals(assigned, EventJson.MAPPER.treeToValue(json, TaskAssignedV1.class));
  }

  @Test
  void transaction_ids_keep_their_formats() {
    UUID id = UUID.fromString("5f0c7a1e-0d3b-4a53-9d0e-1b2c3d4e5f62");
    assertEquals("fee:" + id + ":3", TransactionIds.assignmentFee(id, 3));
    assertEquals("reward:" + id, TransactionIds.completionReward(id));
    assertEquals(
        "payout:" + id + ":2026-11-24", TransactionIds.payout(id, LocalDate.parse("2026-11-24")));
  }

  /** The values a schema allows for one data field. */
  private static Set<String> wireEnum(String eventName, String field) throws Exception {
    try (InputStream in =
        WireNamesTest.class.getResourceAsStream(EventSchemas.resourcePath(eventName, 1))) {
      JsonNode values =
          EventJson.MAPPER
              .readTree(in)
              .get("properties")
              .get("data")
              .get("properties")
              .get(field)
              .get("enum");
      return Arrays.stream(EventJson.MAPPER.treeToValue(values, String[].class))
          .collect(Collectors.toCollection(TreeSet::new));
    }
  }
}
