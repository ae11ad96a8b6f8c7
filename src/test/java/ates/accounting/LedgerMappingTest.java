package ates.accounting;

import static org.junit.jupiter.api.Assertions.assertEquals;

import ates.contract.AssignmentReason;
import ates.contract.Direction;
import ates.contract.EventEnvelope;
import ates.contract.EventJson;
import ates.contract.Topics;
import ates.contract.TransactionIds;
import ates.contract.TransactionType;
import ates.contract.events.TaskAssignedV1;
import ates.contract.events.TaskCompletedV1;
import ates.platform.kafka.OutgoingEvent;
import com.fasterxml.jackson.databind.JsonNode;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * Task events to ledger movements, and movements to {@code TransactionCreated}, read back by name:
 * each same-typed pair (assignee and previous assignee, amount and balance) has distinct values.
 */
class LedgerMappingTest {

  private static final Instant AT = Instant.parse("2026-11-25T10:00:00Z");
  private final Movements movements = new Movements(ZoneOffset.UTC);
  private final UUID taskId = UUID.randomUUID();
  private final UUID worker = UUID.randomUUID();
  private final UUID previous = UUID.randomUUID();

  private static EventEnvelope envelope(String name, Object data) {
    return EventJson.envelope(UUID.randomUUID(), name, 1, AT, "tasks", data);
  }

  @Test
  void an_assignment_debits_its_fee_from_the_new_assignee() {
    TaskAssignedV1 assigned =
        TaskAssignedV1.builder()
            .taskId(taskId)
            .assignmentNo(2)
            .title("Feed")
            .jiraId("POP-1")
            .assigneeId(worker)
            .previousAssigneeId(previous)
            .assignFee(1500)
            .reason(AssignmentReason.SHUFFLE)
            .assignedAt(AT)
            .build();

    Movements.Booking booking = movements.of(envelope(TaskAssignedV1.NAME, assigned)).orElseThrow();

    assertEquals(worker, booking.accountId());
    Account.Movement m = booking.movement();
    assertEquals(TransactionIds.assignmentFee(taskId, 2), m.transactionId());
    assertEquals(TransactionType.ASSIGNMENT_FEE, m.type());
    assertEquals(Direction.DEBIT, m.direction());
    assertEquals(1500, m.amount());
    assertEquals(taskId, m.taskId());
    assertEquals("Assignment fee for task 'Feed' (POP-1) (assignment 2)", m.description());
    assertEquals(LocalDate.parse("2026-11-25"), m.billingDate());
  }

  @Test
  void a_completion_credits_its_reward_to_the_assignee() {
    TaskCompletedV1 completed =
        TaskCompletedV1.builder()
            .taskId(taskId)
            .title("Feed")
            .assigneeId(worker)
            .completionReward(3000)
            .completedAt(AT)
            .build();

    Movements.Booking booking =
        movements.of(envelope(TaskCompletedV1.NAME, completed)).orElseThrow();

    assertEquals(worker, booking.accountId());
    assertEquals(TransactionIds.completionReward(taskId), booking.movement().transactionId());
    assertEquals(TransactionType.COMPLETION_REWARD, booking.movement().type());
    assertEquals(Direction.CREDIT, booking.movement().direction());
    assertEquals(3000, booking.movement().amount());
    assertEquals("Reward for completing task 'Feed'", booking.movement().description());
  }

  @Test
  void a_movement_publishes_amount_and_balance_by_name() {
    Account.Movement m =
        Account.Movement.builder(TransactionType.ASSIGNMENT_FEE)
            .transactionId("fee:x:1")
            .amount(1500)
            .taskId(taskId)
            .description("Assignment fee for task 'Feed'")
            .billingDate(LocalDate.parse("2026-11-25"))
            .createdAt(AT)
            .build();

    List<OutgoingEvent> published = AccountEvents.toContract(new Account.Moved(worker, m, -2500));

    assertEquals(1, published.size());
    assertEquals(Topics.TRANSACTION_CREATED, published.get(0).topic());
    assertEquals(worker.toString(), published.get(0).key());
    JsonNode data = EventJson.MAPPER.valueToTree(published.get(0).data());
    assertEquals("fee:x:1", data.get("transactionId").asText());
    assertEquals(worker.toString(), data.get("accountId").asText());
    assertEquals("assignment_fee", data.get("type").asText());
    assertEquals("debit", data.get("direction").asText());
    assertEquals(1500, data.get("amount").asLong());
    assertEquals(-2500, data.get("balanceAfter").asLong());
    assertEquals(taskId.toString(), data.get("taskId").asText());
    assertEquals("Assignment fee for task 'Feed'", data.get("description").asText());
    assertEquals("2026-11-25", data.get("billingDate").asText());
  }
}
