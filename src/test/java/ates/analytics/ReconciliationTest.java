package ates.analytics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ates.contract.AssignmentReason;
import ates.contract.EventEnvelope;
import ates.contract.EventJson;
import ates.contract.TransactionIds;
import ates.contract.TransactionType;
import ates.contract.events.TaskAssignedV1;
import ates.contract.events.TaskCompletedV1;
import ates.contract.events.TransactionCreatedV1;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * The comparison of the reconciliation as values: what each side counts once, which day a record
 * belongs to, and which figures make a mismatch.
 */
class ReconciliationTest {

  private static final LocalDate DAY = LocalDate.of(2026, 11, 24);
  private static final ZoneId UTC = ZoneOffset.UTC;
  private static final Instant NOON = Instant.parse("2026-11-24T12:00:00Z");

  private final UUID alice = UUID.fromString("00000000-0000-0000-0000-00000000000a");
  private final UUID bob = UUID.fromString("00000000-0000-0000-0000-00000000000b");
  private final Map<UUID, Reconciliation.Amounts> analytics = new HashMap<>();

  // --- given: the records of the three topics -----------------------------------------------

  private static EventEnvelope assigned(UUID task, int no, UUID worker, long fee, Instant at) {
    return envelope(
        TaskAssignedV1.NAME,
        TaskAssignedV1.builder()
            .taskId(task)
            .assignmentNo(no)
            .title("Task")
            .assigneeId(worker)
            .assignFee(fee)
            .reason(no == 1 ? AssignmentReason.CREATED : AssignmentReason.SHUFFLE)
            .assignedAt(at)
            .build());
  }

  private static EventEnvelope completed(UUID task, UUID worker, long reward, Instant at) {
    return envelope(
        TaskCompletedV1.NAME, new TaskCompletedV1(task, "Task", null, worker, reward, at));
  }

  private static EventEnvelope booked(
      String transactionId, UUID account, TransactionType type, long amount, LocalDate day) {
    return envelope(
        TransactionCreatedV1.NAME,
        TransactionCreatedV1.builder()
            .transactionId(transactionId)
            .accountId(account)
            .type(type)
            .amount(amount)
            .balanceAfter(0)
            .description("movement")
            .billingDate(day)
            .createdAt(NOON)
            .build());
  }

  private static EventEnvelope envelope(String name, Object data) {
    return EventJson.envelope(UUID.randomUUID(), name, 1, NOON, "test", data);
  }

  /** The same record again, as a republish sends it: same eventId. */
  private static EventEnvelope redelivered(EventEnvelope e) {
    return e;
  }

  /** The same data under a new eventId: a second booking of one movement. */
  private static EventEnvelope bookedAgain(EventEnvelope e) {
    return new EventEnvelope(
        UUID.randomUUID(), e.eventName(), e.eventVersion(), e.eventTime(), e.producer(), e.data());
  }

  private void counted(UUID account, long fees, long rewards, long payouts) {
    analytics.put(
        account,
        Reconciliation.Amounts.builder().fees(fees).rewards(rewards).payouts(payouts).build());
  }

  private Reconciliation.Report reconcile(ZoneId zone, List<EventEnvelope> records) {
    Reconciliation.Tally tally = new Reconciliation.Tally(DAY, zone);
    records.forEach(tally::add);
    return Reconciliation.compare(tally, analytics);
  }

  // --- then -----------------------------------------------------------------------------------

  @Test
  void three_sides_that_agree_are_ok_with_what_was_checked() {
    UUID t1 = UUID.randomUUID();
    UUID t2 = UUID.randomUUID();
    counted(alice, 1500 + 1200, 3000, 0);
    counted(bob, 1300, 0, 0);

    var report =
        reconcile(
            UTC,
            List.of(
                assigned(t1, 1, alice, 1500, NOON),
                assigned(t2, 1, bob, 1300, NOON),
                assigned(t2, 2, alice, 1200, NOON.plusSeconds(60)),
                completed(t1, alice, 3000, NOON.plusSeconds(120)),
                booked(
                    TransactionIds.assignmentFee(t1, 1),
                    alice,
                    TransactionType.ASSIGNMENT_FEE,
                    1500,
                    DAY),
                booked(
                    TransactionIds.assignmentFee(t2, 1),
                    bob,
                    TransactionType.ASSIGNMENT_FEE,
                    1300,
                    DAY),
                booked(
                    TransactionIds.assignmentFee(t2, 2),
                    alice,
                    TransactionType.ASSIGNMENT_FEE,
                    1200,
                    DAY),
                booked(
                    TransactionIds.completionReward(t1),
                    alice,
                    TransactionType.COMPLETION_REWARD,
                    3000,
                    DAY)));

    assertTrue(report.ok(), report.toString());
    assertEquals(DAY, report.date());
    assertEquals(new Reconciliation.Checked(3, 1, 4, 2), report.checked());
    assertEquals(List.of(), report.mismatches());
  }

  @Test
  void a_redelivered_movement_counts_once_and_a_movement_booked_twice_is_a_mismatch() {
    UUID t1 = UUID.randomUUID();
    EventEnvelope fee =
        booked(
            TransactionIds.assignmentFee(t1, 1), alice, TransactionType.ASSIGNMENT_FEE, 1500, DAY);
    counted(alice, 1500, 0, 0);

    var redelivery =
        reconcile(UTC, List.of(assigned(t1, 1, alice, 1500, NOON), fee, redelivered(fee)));
    assertTrue(redelivery.ok(), redelivery.toString());
    assertEquals(1, redelivery.checked().movements());

    var doubled =
        reconcile(UTC, List.of(assigned(t1, 1, alice, 1500, NOON), fee, bookedAgain(fee)));
    assertFalse(doubled.ok());
    assertEquals(2, doubled.checked().movements());
    assertEquals(
        List.of(
            new Reconciliation.Mismatch(
                alice, TransactionType.ASSIGNMENT_FEE, 1500L, 3000L, 1500L)),
        doubled.mismatches());
  }

  @Test
  void an_assignment_or_completion_published_twice_under_new_event_ids_is_expected_once() {
    UUID t1 = UUID.randomUUID();
    EventEnvelope assignment = assigned(t1, 1, alice, 1500, NOON);
    EventEnvelope completion = completed(t1, alice, 2500, NOON);
    counted(alice, 1500, 2500, 0);

    var report =
        reconcile(
            UTC,
            List.of(
                assignment,
                bookedAgain(assignment),
                completion,
                bookedAgain(completion),
                booked(
                    TransactionIds.assignmentFee(t1, 1),
                    alice,
                    TransactionType.ASSIGNMENT_FEE,
                    1500,
                    DAY),
                booked(
                    TransactionIds.completionReward(t1),
                    alice,
                    TransactionType.COMPLETION_REWARD,
                    2500,
                    DAY)));

    assertTrue(report.ok(), report.toString());
    assertEquals(1, report.checked().assignments());
    assertEquals(1, report.checked().completions());
  }

  @Test
  void the_day_of_a_task_event_is_its_date_in_the_billing_zone() {
    UUID early = UUID.randomUUID();
    UUID late = UUID.randomUUID();
    ZoneId berlin = ZoneId.of("Europe/Berlin");
    // 23:30 UTC on the 23rd is the 24th in Berlin; 23:30 UTC on the 24th is the 25th there
    List<EventEnvelope> records =
        List.of(
            assigned(early, 1, alice, 1100, Instant.parse("2026-11-23T23:30:00Z")),
            assigned(late, 1, alice, 1900, Instant.parse("2026-11-24T23:30:00Z")));

    var inBerlin = reconcile(berlin, records);
    var inUtc = reconcile(UTC, records);

    assertEquals(1, inBerlin.checked().assignments());
    assertEquals(1100L, inBerlin.mismatches().get(0).expected());
    assertEquals(1, inUtc.checked().assignments());
    assertEquals(1900L, inUtc.mismatches().get(0).expected());
  }

  @Test
  void movements_of_other_days_are_not_counted() {
    UUID t1 = UUID.randomUUID();
    var report =
        reconcile(
            UTC,
            List.of(
                booked(
                    TransactionIds.assignmentFee(t1, 1),
                    alice,
                    TransactionType.ASSIGNMENT_FEE,
                    1500,
                    DAY.plusDays(1)),
                booked(
                    TransactionIds.payout(alice, DAY.minusDays(1)),
                    alice,
                    TransactionType.PAYOUT,
                    900,
                    DAY.minusDays(1))));

    assertTrue(report.ok(), report.toString());
    assertEquals(new Reconciliation.Checked(0, 0, 0, 0), report.checked());
  }

  @Test
  void a_fee_not_booked_yet_and_a_reward_analytics_missed_name_the_worker_and_kind() {
    UUID t1 = UUID.randomUUID();
    UUID t2 = UUID.randomUUID();
    counted(bob, 0, 0, 0);

    var report =
        reconcile(
            UTC,
            List.of(
                assigned(t1, 1, alice, 1500, NOON),
                completed(t2, bob, 2500, NOON),
                booked(
                    TransactionIds.completionReward(t2),
                    bob,
                    TransactionType.COMPLETION_REWARD,
                    2500,
                    DAY)));

    assertFalse(report.ok());
    assertEquals(
        List.of(
            new Reconciliation.Mismatch(alice, TransactionType.ASSIGNMENT_FEE, 1500L, 0L, 0L),
            new Reconciliation.Mismatch(bob, TransactionType.COMPLETION_REWARD, 2500L, 2500L, 0L)),
        report.mismatches());
    assertEquals(2, report.checked().workers());
  }

  @Test
  void payouts_are_compared_between_the_ledgers_and_analytics_only() {
    counted(alice, 0, 0, 700);
    EventEnvelope payout =
        booked(TransactionIds.payout(alice, DAY), alice, TransactionType.PAYOUT, 900, DAY);

    var report = reconcile(UTC, List.of(payout));

    assertFalse(report.ok());
    var mismatch = report.mismatches().get(0);
    assertEquals(TransactionType.PAYOUT, mismatch.kind());
    assertNull(mismatch.expected());
    assertEquals(900L, mismatch.booked());
    assertEquals(700L, mismatch.analytics());

    counted(alice, 0, 0, 900);
    assertTrue(reconcile(UTC, List.of(payout)).ok());
  }

  @Test
  void an_account_only_analytics_knows_of_is_a_mismatch() {
    counted(bob, 1200, 0, 0);

    var report = reconcile(UTC, List.of());

    assertEquals(
        List.of(new Reconciliation.Mismatch(bob, TransactionType.ASSIGNMENT_FEE, 0L, 0L, 1200L)),
        report.mismatches());
    assertEquals(1, report.checked().workers());
  }

  @Test
  void the_report_has_the_contract_fields_and_wire_names() throws Exception {
    counted(alice, 1500, 0, 0);
    var report = reconcile(UTC, List.of());
    var json = ates.platform.http.HttpJson.MAPPER.valueToTree(report);

    assertEquals("2026-11-24", json.get("date").asText());
    assertFalse(json.get("ok").asBoolean());
    for (String field : List.of("assignments", "completions", "movements", "workers"))
      assertTrue(json.get("checked").has(field), field);
    var m = json.get("mismatches").get(0);
    assertEquals(alice.toString(), m.get("userId").asText());
    assertEquals("assignment_fee", m.get("kind").asText());
    assertEquals(0, m.get("expected").asLong());
    assertEquals(0, m.get("booked").asLong());
    assertEquals(1500, m.get("analytics").asLong());
  }

  @Test
  void the_command_puts_the_analytics_database_into_the_server_url() {
    assertEquals(
        "jdbc:postgresql://127.0.0.1:5433/ates_analytics",
        ReconcileCommand.databaseUrl("jdbc:postgresql://127.0.0.1:5433/", "ates_analytics"));
    assertEquals(
        "jdbc:postgresql://h1:5432,h2:5432/ates_analytics?targetServerType=primary",
        ReconcileCommand.databaseUrl(
            "jdbc:postgresql://h1:5432,h2:5432/?targetServerType=primary", "ates_analytics"));
  }
}
