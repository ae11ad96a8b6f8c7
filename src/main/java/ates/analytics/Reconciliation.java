package ates.analytics;

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
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;

/**
 * The money reconciliation of one billing day (http-api.md, Admin): per worker, the fees and
 * rewards the task topics call for, those the ledgers booked ({@code TransactionCreated}), and
 * those analytics counted, compared; payouts are compared between the ledgers and analytics only
 * (the task topics do not say them). Values only: the records come from {@link
 * ReconciliationReader}, analytics' figures from its own database.
 *
 * <p>Each side is counted the way its consumer must count it: an assignment once per {@code taskId}
 * + {@code assignmentNo} and a completion once per {@code taskId} (whatever their {@code eventId}s:
 * the business id is what accounting books once), a ledger movement once per {@code eventId} (a
 * republished movement keeps its {@code eventId}, so only a movement booked twice counts twice).
 * The day of an assignment or completion is the date of its time in the billing zone, as accounting
 * books it; the day of a movement is its {@code billingDate}.
 */
public final class Reconciliation {

  private Reconciliation() {}

  /** Fees, rewards and payouts of one account on one day, in cents. */
  public record Amounts(long fees, long rewards, long payouts) {
    public static final Amounts ZERO = new Amounts(0, 0, 0);

    public static Builder builder() {
      return new Builder();
    }

    Amounts plus(TransactionType type, long amount) {
      return switch (type) {
        case ASSIGNMENT_FEE -> new Amounts(fees + amount, rewards, payouts);
        case COMPLETION_REWARD -> new Amounts(fees, rewards + amount, payouts);
        case PAYOUT -> new Amounts(fees, rewards, payouts + amount);
      };
    }

    long of(TransactionType type) {
      return switch (type) {
        case ASSIGNMENT_FEE -> fees;
        case COMPLETION_REWARD -> rewards;
        case PAYOUT -> payouts;
      };
    }

    /** Every amount by name. */
    public static final class Builder {
      private long fees;
      private long rewards;
      private long payouts;

      private Builder() {}

      public Builder fees(long value) {
        fees = value;
        return this;
      }

      public Builder rewards(long value) {
        rewards = value;
        return this;
      }

      public Builder payouts(long value) {
        payouts = value;
        return this;
      }

      public Amounts build() {
        return new Amounts(fees, rewards, payouts);
      }
    }
  }

  /** What was compared. */
  public record Checked(long assignments, long completions, long movements, long workers) {}

  /**
   * One figure that differs for one worker: {@code kind} is the movement type; {@code expected} is
   * null for payouts (the task topics do not say them).
   */
  public record Mismatch(
      UUID userId, TransactionType kind, Long expected, Long booked, Long analytics) {}

  /** The answer of {@code GET /api/admin/reconciliation} and of the {@code reconcile} command. */
  public record Report(LocalDate date, boolean ok, Checked checked, List<Mismatch> mismatches) {}

  /**
   * The records of the task topics and the ledger topic that concern one day, each counted once.
   * Not thread-safe: one reader fills it.
   */
  public static final class Tally {
    private final LocalDate date;
    private final ZoneId zone;
    private final Map<String, TaskAssignedV1> assignments = new LinkedHashMap<>();
    private final Map<UUID, TaskCompletedV1> completions = new LinkedHashMap<>();
    private final Set<UUID> movementIds = new HashSet<>();
    private final List<TransactionCreatedV1> movements = new ArrayList<>();

    public Tally(LocalDate date, ZoneId zone) {
      this.date = date;
      this.zone = zone;
    }

    public LocalDate date() {
      return date;
    }

    /** Counts one record of {@code TaskAssigned}, {@code TaskCompleted} or the ledger topic. */
    public void add(EventEnvelope envelope) {
      switch (envelope.eventName()) {
        case TaskAssignedV1.NAME -> {
          TaskAssignedV1 e = EventJson.dataAs(envelope, TaskAssignedV1.class);
          if (onDay(e.assignedAt()))
            assignments.putIfAbsent(TransactionIds.assignmentFee(e.taskId(), e.assignmentNo()), e);
        }
        case TaskCompletedV1.NAME -> {
          TaskCompletedV1 e = EventJson.dataAs(envelope, TaskCompletedV1.class);
          if (onDay(e.completedAt())) completions.putIfAbsent(e.taskId(), e);
        }
        case TransactionCreatedV1.NAME -> {
          TransactionCreatedV1 e = EventJson.dataAs(envelope, TransactionCreatedV1.class);
          if (e.billingDate().equals(date) && movementIds.add(envelope.eventId())) movements.add(e);
        }
        default -> {
          // other events move no money
        }
      }
    }

    private boolean onDay(Instant at) {
      return LocalDate.ofInstant(at, zone).equals(date);
    }

    /** Fees and rewards per worker as the task topics call for them. */
    Map<UUID, Amounts> expected() {
      Map<UUID, Amounts> expected = new HashMap<>();
      for (TaskAssignedV1 a : assignments.values())
        expected.merge(
            a.assigneeId(),
            Amounts.ZERO.plus(TransactionType.ASSIGNMENT_FEE, a.assignFee()),
            Reconciliation::sum);
      for (TaskCompletedV1 c : completions.values())
        expected.merge(
            c.assigneeId(),
            Amounts.ZERO.plus(TransactionType.COMPLETION_REWARD, c.completionReward()),
            Reconciliation::sum);
      return expected;
    }

    /** Fees, rewards and payouts per account as the ledgers booked them. */
    Map<UUID, Amounts> booked() {
      Map<UUID, Amounts> booked = new HashMap<>();
      for (TransactionCreatedV1 m : movements)
        booked.merge(m.accountId(), Amounts.ZERO.plus(m.type(), m.amount()), Reconciliation::sum);
      return booked;
    }
  }

  private static Amounts sum(Amounts a, Amounts b) {
    return new Amounts(a.fees() + b.fees(), a.rewards() + b.rewards(), a.payouts() + b.payouts());
  }

  /** Compares the three sides of {@code tally}'s day; {@code analytics} is by account. */
  public static Report compare(Tally tally, Map<UUID, Amounts> analytics) {
    Map<UUID, Amounts> expected = tally.expected();
    Map<UUID, Amounts> booked = tally.booked();
    Set<UUID> workers = new TreeSet<>();
    workers.addAll(expected.keySet());
    workers.addAll(booked.keySet());
    analytics.forEach(
        (account, amounts) -> {
          if (!amounts.equals(Amounts.ZERO)) workers.add(account);
        });
    List<Mismatch> mismatches = new ArrayList<>();
    for (UUID worker : workers) {
      Amounts e = expected.getOrDefault(worker, Amounts.ZERO);
      Amounts b = booked.getOrDefault(worker, Amounts.ZERO);
      Amounts a = analytics.getOrDefault(worker, Amounts.ZERO);
      for (TransactionType kind : TransactionType.values()) {
        Long exp = kind == TransactionType.PAYOUT ? null : e.of(kind);
        long bk = b.of(kind);
        long an = a.of(kind);
        if ((exp != null && exp != bk) || bk != an) {
          mismatches.add(new Mismatch(worker, kind, exp, bk, an));
        }
      }
    }
    mismatches.sort(Comparator.comparing(Mismatch::userId).thenComparing(m -> m.kind().ordinal()));
    return new Report(
        tally.date(),
        mismatches.isEmpty(),
        new Checked(
            tally.assignments.size(),
            tally.completions.size(),
            tally.movements.size(),
            workers.size()),
        List.copyOf(mismatches));
  }

  /** One line for logs and the command: the day, whether it is ok, and the counts. */
  public static String summary(Report r) {
    return String.format(
        "reconciliation of %s: %s (assignments %d, completions %d, movements %d, workers %d,"
            + " mismatches %d)",
        r.date(),
        r.ok() ? "ok" : "MISMATCH",
        r.checked().assignments(),
        r.checked().completions(),
        r.checked().movements(),
        r.checked().workers(),
        r.mismatches().size());
  }
}
