package ates.accounting;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import ates.contract.Direction;
import ates.contract.Topics;
import ates.contract.TransactionType;
import ates.platform.kafka.OutgoingEvent;
import ates.testing.Published;
import java.time.Instant;
import java.time.LocalDate;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * What a ledger journal event publishes: given the event, when mapped to the contract, then one
 * {@code TransactionCreated} per movement, keyed by the account, valid against its schema.
 */
class AccountEventsTest {

  private static final LocalDate MONDAY = LocalDate.of(2024, 3, 4);
  private static final Instant AT = Instant.parse("2024-03-04T21:30:00Z");
  private final UUID alice = UUID.randomUUID();
  private final UUID task = UUID.randomUUID();

  @Test
  void a_fee_publishes_a_debit_of_its_billing_day_with_the_balance_after() {
    Account.Movement fee =
        new Account.Movement(
            "fee:" + task + ":2",
            TransactionType.ASSIGNMENT_FEE,
            Direction.DEBIT,
            1500,
            task,
            "Assignment fee for task 'Fix' (assignment 2)",
            MONDAY,
            AT);

    OutgoingEvent e = only(new Account.Moved(alice, fee, -2500));

    Published p = Published.of(e, UUID.randomUUID(), AccountingService.NAME);
    assertEquals("fee:" + task + ":2", p.data("transactionId"));
    assertEquals(alice.toString(), p.data("accountId"));
    assertEquals("assignment_fee", p.data("type"));
    assertEquals("debit", p.data("direction"));
    assertEquals("1500", p.data("amount"));
    assertEquals("-2500", p.data("balanceAfter"));
    assertEquals(task.toString(), p.data("taskId"));
    assertEquals("2024-03-04", p.data("billingDate"));
    assertEquals("2024-03-04T21:30:00Z", p.data("createdAt"));
  }

  @Test
  void a_reward_publishes_a_credit() {
    Account.Movement reward =
        new Account.Movement(
            "reward:" + task,
            TransactionType.COMPLETION_REWARD,
            Direction.CREDIT,
            3000,
            task,
            "Reward",
            MONDAY,
            AT);

    Published p =
        Published.of(
            only(new Account.Moved(alice, reward, 500)), UUID.randomUUID(), AccountingService.NAME);

    assertEquals("completion_reward", p.data("type"));
    assertEquals("credit", p.data("direction"));
  }

  @Test
  void a_payout_publishes_a_debit_without_a_task_and_closing_the_day_publishes_nothing() {
    Account.Movement payout =
        new Account.Movement(
            "payout:" + alice + ":" + MONDAY,
            TransactionType.PAYOUT,
            Direction.DEBIT,
            4550,
            null,
            "Payout for " + MONDAY,
            MONDAY,
            AT);

    Published p =
        Published.of(
            only(new Account.Moved(alice, payout, 0)), UUID.randomUUID(), AccountingService.NAME);

    assertEquals("payout", p.data("type"));
    assertEquals("debit", p.data("direction"));
    assertNull(p.data("taskId"));
    assertEquals("0", p.data("balanceAfter"));
    assertEquals(List.of(), AccountEvents.toContract(new Account.DayClosed(alice, MONDAY, 4550)));
  }

  private OutgoingEvent only(Account.Event event) {
    List<OutgoingEvent> events = AccountEvents.toContract(event);
    assertEquals(1, events.size());
    OutgoingEvent e = events.get(0);
    assertEquals(Topics.TRANSACTION_CREATED, e.topic());
    assertEquals(alice.toString(), e.key());
    assertEquals("TransactionCreated", e.eventName());
    assertEquals(1, e.eventVersion());
    assertEquals(AT, e.eventTime());
    return e;
  }
}
