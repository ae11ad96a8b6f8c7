package ates.accounting;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ates.contract.Direction;
import ates.contract.TransactionType;
import ates.testing.ReadModelTestKit;
import ates.testing.Rows;
import java.sql.Date;
import java.sql.Timestamp;
import java.time.Instant;
import java.time.LocalDate;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The accounting read models: given ledger (or billing-day) journal events, when the production
 * projection runs them (ProjectionTestKit, embedded PostgreSQL), then the audit log, balances,
 * daily earnings, payout mails and billing runs.
 */
class AccountingReadModelTest {

  private static final LocalDate MONDAY = LocalDate.of(2024, 3, 4);
  private static final Instant MORNING = Instant.parse("2024-03-04T09:00:00Z");
  private static final Instant EVENING = Instant.parse("2024-03-04T20:00:00Z");
  private static final Instant NIGHT = Instant.parse("2024-03-04T23:59:00Z");

  private final UUID alice = UUID.randomUUID();
  private final UUID task = UUID.randomUUID();
  private ReadModelTestKit<Account.Event> ledger;
  private ReadModelTestKit<BillingDay.Event> billing;

  @AfterEach
  void stop() {
    if (ledger != null) ledger.close();
    if (billing != null) billing.close();
  }

  private ReadModelTestKit<Account.Event> ledger() {
    ledger =
        ReadModelTestKit.of(
            AccountingService.NAME,
            "accounting-read-model",
            (c, envelope) -> {
              if (envelope.event() instanceof Account.Moved moved) {
                AccountingReadModel.apply(c, moved, envelope.sequenceNr());
              }
            });
    return ledger;
  }

  @Test
  void a_fee_and_a_reward_are_in_the_audit_log_the_balance_and_the_days_earnings() {
    ledger()
        .given(pid(), MORNING, moved(fee(1, 1500), -1500))
        .given(pid(), EVENING, moved(reward(3000), 1500));

    ledger.whenProjected(
        () -> {
          Map<String, Object> fee = transaction("fee:" + task + ":1");
          assertEquals(alice, fee.get("account_id"));
          assertEquals(1L, fee.get("seq"));
          assertEquals("assignment_fee", fee.get("type"));
          assertEquals("debit", fee.get("direction"));
          assertEquals(1500L, fee.get("amount"));
          assertEquals(-1500L, fee.get("balance_after"));
          assertEquals(task, fee.get("task_id"));
          assertEquals(Date.valueOf(MONDAY), fee.get("billing_date"));
          assertEquals(Timestamp.from(MORNING), fee.get("created_at"));
          Map<String, Object> reward = transaction("reward:" + task);
          assertEquals("completion_reward", reward.get("type"));
          assertEquals("credit", reward.get("direction"));
          assertEquals(1500L, reward.get("balance_after"));

          Map<String, Object> balance = balance();
          assertEquals(1500L, balance.get("balance"));
          assertEquals(2L, balance.get("seq"));
          Map<String, Object> day = earnings();
          assertEquals(1500L, day.get("fees"));
          assertEquals(3000L, day.get("rewards"));
        });
  }

  @Test
  void a_movement_projected_again_counts_once_in_the_earnings() {
    Account.Moved fee = moved(fee(1, 1500), -1500);
    ledger()
        .given(pid(), MORNING, fee, moved(fee(2, 2000), -3500))
        // the same movement once more: its transaction id is known, nothing else moves
        .given(pid(), MORNING, fee);

    ledger.whenProjected(
        () -> {
          assertEquals(2, Rows.query(ledger.database(), "SELECT * FROM transactions").size());
          assertEquals(3500L, earnings().get("fees"));
          assertEquals(-3500L, balance().get("balance"));
          assertEquals(2L, balance().get("seq"));
        });
  }

  @Test
  void a_payout_is_no_earning_and_leaves_one_pending_mail() {
    Account.Movement payout =
        new Account.Movement(
            "payout:" + alice + ":" + MONDAY,
            TransactionType.PAYOUT,
            Direction.DEBIT,
            4550,
            null,
            "Payout for " + MONDAY,
            MONDAY,
            NIGHT);
    ledger()
        .given(pid(), MORNING, moved(reward(4550), 4550))
        .given(pid(), NIGHT, moved(payout, 0), new Account.DayClosed(alice, MONDAY, 4550));

    ledger.whenProjected(
        () -> {
          assertEquals(0L, earnings().get("fees"));
          assertEquals(4550L, earnings().get("rewards"));
          assertEquals(0L, balance().get("balance"));
          Map<String, Object> mail =
              Rows.one(ledger.database(), "SELECT * FROM mail_outbox WHERE account_id = ?", alice);
          assertEquals("payout:" + alice + ":" + MONDAY, mail.get("transaction_id"));
          assertEquals("pending", mail.get("status"));
          assertEquals("aTES payout for 2024-03-04", mail.get("subject"));
          assertTrue(((String) mail.get("body")).contains("paid out: $45.50."), "body");
          assertNull(mail.get("sent_at"));
        });
  }

  @Test
  void a_billing_run_is_running_counts_its_settled_accounts_and_closes() {
    billing =
        ReadModelTestKit.of(
            AccountingService.NAME,
            "billing-runs",
            (c, envelope) ->
                AccountingReadModel.applyBillingRun(
                    c, envelope.event(), new Timestamp(envelope.timestamp())));
    UUID bob = UUID.randomUUID();
    UUID carol = UUID.randomUUID();
    String day = "BillingDay|" + MONDAY;
    LocalDate tuesday = MONDAY.plusDays(1);
    billing
        .given(
            day,
            NIGHT,
            new BillingDay.Started(MONDAY, List.of(alice, bob, carol)),
            new BillingDay.AccountSettled(MONDAY, alice, 4550),
            new BillingDay.AccountSettled(MONDAY, bob, 0),
            new BillingDay.AccountSettled(MONDAY, carol, 100))
        .given(day, EVENING.plusSeconds(86_400), new BillingDay.Finished(MONDAY))
        .given(
            "BillingDay|" + tuesday,
            EVENING.plusSeconds(86_400),
            new BillingDay.Started(tuesday, List.of(alice)));

    billing.whenProjected(
        () -> {
          Map<String, Object> monday = run(MONDAY);
          assertEquals("closed", monday.get("status"));
          assertEquals(3, monday.get("accounts"));
          assertEquals(3, monday.get("settled"));
          assertEquals(Timestamp.from(NIGHT), monday.get("started_at"));
          assertEquals(Timestamp.from(EVENING.plusSeconds(86_400)), monday.get("finished_at"));
          Map<String, Object> next = run(tuesday);
          assertEquals("running", next.get("status"));
          assertEquals(0, next.get("settled"));
          assertNull(next.get("finished_at"));
        });
  }

  private Map<String, Object> run(LocalDate date) {
    return Rows.one(
        billing.database(),
        "SELECT * FROM billing_runs WHERE billing_date = ?",
        Date.valueOf(date));
  }

  private Map<String, Object> transaction(String id) {
    return Rows.one(ledger.database(), "SELECT * FROM transactions WHERE transaction_id = ?", id);
  }

  private Map<String, Object> balance() {
    return Rows.one(ledger.database(), "SELECT * FROM balances WHERE account_id = ?", alice);
  }

  private Map<String, Object> earnings() {
    return Rows.one(
        ledger.database(),
        "SELECT * FROM daily_earnings WHERE billing_date = ?",
        Date.valueOf(MONDAY));
  }

  private String pid() {
    return "Account|" + alice;
  }

  private Account.Moved moved(Account.Movement movement, long balanceAfter) {
    return new Account.Moved(alice, movement, balanceAfter);
  }

  private Account.Movement fee(int assignment, long amount) {
    return new Account.Movement(
        "fee:" + task + ":" + assignment,
        TransactionType.ASSIGNMENT_FEE,
        Direction.DEBIT,
        amount,
        task,
        "Assignment fee",
        MONDAY,
        MORNING);
  }

  private Account.Movement reward(long amount) {
    return new Account.Movement(
        "reward:" + task,
        TransactionType.COMPLETION_REWARD,
        Direction.CREDIT,
        amount,
        task,
        "Reward",
        MONDAY,
        EVENING);
  }
}
