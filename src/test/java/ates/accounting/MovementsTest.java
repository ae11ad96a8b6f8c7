package ates.accounting;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import ates.accounting.Movements.Booking;
import ates.contract.AssignmentReason;
import ates.contract.Direction;
import ates.contract.EventEnvelope;
import ates.contract.EventJson;
import ates.contract.Role;
import ates.contract.TransactionType;
import ates.contract.events.TaskAssignedV1;
import ates.contract.events.TaskCompletedV1;
import ates.contract.events.UserRoleChangedV1;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneId;
import java.util.Optional;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * The ledger movement a task event stands for: given a contract event as the consumer receives it,
 * when {@link Movements} reads it, then the account, amount, sign, billing day and the
 * deterministic transaction id that makes a redelivery move nothing.
 */
class MovementsTest {

  /** UTC+3 all year: 21:30 UTC is already the next billing day. */
  private final Movements movements = new Movements(ZoneId.of("Europe/Moscow"));

  private static final Instant MORNING = Instant.parse("2024-03-04T09:00:00Z");
  private static final Instant LATE = Instant.parse("2024-03-04T21:30:00Z");
  private final UUID task = UUID.randomUUID();
  private final UUID alice = UUID.randomUUID();
  private final UUID bob = UUID.randomUUID();

  @Test
  void an_assignment_debits_its_fee_from_the_assignee() {
    Booking b = book(assigned(1, alice, "ATES-7", MORNING));

    assertEquals(alice, b.accountId());
    Account.Movement m = b.movement();
    assertEquals("fee:" + task + ":1", m.transactionId());
    assertEquals(TransactionType.ASSIGNMENT_FEE, m.type());
    assertEquals(Direction.DEBIT, m.direction());
    assertEquals(1500, m.amount());
    assertEquals(-1500, m.signed());
    assertEquals(task, m.taskId());
    assertEquals("Assignment fee for task 'Fix' (ATES-7)", m.description());
    assertEquals(LocalDate.of(2024, 3, 4), m.billingDate());
    assertEquals(MORNING, m.createdAt());
  }

  @Test
  void each_assignment_of_a_task_is_a_fee_of_its_own_and_a_redelivery_the_same_fee() {
    Account.Movement first = book(assigned(1, alice, null, MORNING)).movement();
    Account.Movement second = book(assigned(2, bob, null, MORNING)).movement();
    Account.Movement again = book(assigned(2, bob, null, MORNING)).movement();

    assertNotEquals(first.transactionId(), second.transactionId());
    assertEquals(second, again);
    assertEquals("Assignment fee for task 'Fix' (assignment 2)", second.description());
  }

  @Test
  void a_completion_credits_the_reward_to_the_assignee_once_per_task() {
    Booking b =
        book(
            envelope(
                TaskCompletedV1.NAME, new TaskCompletedV1(task, "Fix", null, bob, 3000, MORNING)));

    assertEquals(bob, b.accountId());
    Account.Movement m = b.movement();
    assertEquals("reward:" + task, m.transactionId());
    assertEquals(TransactionType.COMPLETION_REWARD, m.type());
    assertEquals(Direction.CREDIT, m.direction());
    assertEquals(3000, m.signed());
    assertEquals("Reward for completing task 'Fix'", m.description());
  }

  @Test
  void the_billing_day_is_the_date_in_the_billing_zone() {
    assertEquals(
        LocalDate.of(2024, 3, 5), book(assigned(1, alice, null, LATE)).movement().billingDate());
    assertEquals(LocalDate.of(2024, 3, 4), new Movements(ZoneId.of("UTC")).billingDate(LATE));
  }

  @Test
  void other_events_move_no_money() {
    EventEnvelope roleChanged =
        envelope(UserRoleChangedV1.NAME, new UserRoleChangedV1(alice, Role.WORKER, MORNING));

    assertEquals(Optional.empty(), movements.of(roleChanged));
  }

  private Booking book(EventEnvelope envelope) {
    return movements.of(envelope).orElseThrow();
  }

  private EventEnvelope assigned(int number, UUID to, String jiraId, Instant at) {
    return envelope(
        TaskAssignedV1.NAME,
        new TaskAssignedV1(
            task,
            number,
            "Fix",
            jiraId,
            to,
            null,
            1500,
            number == 1 ? AssignmentReason.CREATED : AssignmentReason.SHUFFLE,
            at));
  }

  private static EventEnvelope envelope(String name, Object data) {
    return EventJson.envelope(UUID.randomUUID(), name, 1, MORNING, "tasks", data);
  }
}
