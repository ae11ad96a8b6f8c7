package ates.analytics;

import ates.contract.Direction;
import ates.contract.EventEnvelope;
import ates.contract.EventJson;
import ates.contract.TransactionType;
import ates.contract.events.TaskCompletedV1;
import ates.contract.events.TransactionCreatedV1;
import ates.contract.events.UserRegisteredV1;
import ates.contract.events.UserRoleChangedV1;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

/**
 * The analytics figures recomputed straight from a list of events in the order they were sent (one
 * partition per key), independently of the service's code paths.
 */
final class Recomputation {

  record Day(
      long earnings, long negative, long completed, long averageReward, TaskCompletedV1 top) {}

  /** What {@code /api/analytics/summary} answers for {@code from} to {@code to}. */
  record Summary(
      LocalDate from,
      LocalDate to,
      long days,
      long income,
      long averageIncome,
      long completed,
      long averageReward,
      TaskCompletedV1 top) {}

  private final List<TransactionCreatedV1> transactions = new ArrayList<>();
  private final List<TaskCompletedV1> completions = new ArrayList<>();
  private final Map<UUID, String> roles = new HashMap<>();

  Recomputation(List<EventEnvelope> events) {
    Set<String> seenTx = new HashSet<>();
    Set<UUID> seenTasks = new HashSet<>();
    for (EventEnvelope e : events) {
      switch (e.eventName()) {
        case "TransactionCreated" -> {
          TransactionCreatedV1 t = EventJson.dataAs(e, TransactionCreatedV1.class);
          if (seenTx.add(t.transactionId())) transactions.add(t);
        }
        case "TaskCompleted" -> {
          TaskCompletedV1 t = EventJson.dataAs(e, TaskCompletedV1.class);
          if (seenTasks.add(t.taskId())) completions.add(t);
        }
        case "UserRegistered" ->
            roles.put(
                EventJson.dataAs(e, UserRegisteredV1.class).userId(),
                EventJson.dataAs(e, UserRegisteredV1.class).role().wireName());
        case "UserRoleChanged" ->
            roles.put(
                EventJson.dataAs(e, UserRoleChangedV1.class).userId(),
                EventJson.dataAs(e, UserRoleChangedV1.class).role().wireName());
        default -> {}
      }
    }
  }

  Day day(LocalDate date) {
    long fees = 0, rewards = 0;
    Map<UUID, Long> endOfDay =
        new LinkedHashMap<>(); // the sum of each account's movements up to the day
    for (TransactionCreatedV1 t : transactions) {
      if (t.billingDate().equals(date)) {
        if (t.type() == TransactionType.ASSIGNMENT_FEE) fees += t.amount();
        if (t.type() == TransactionType.COMPLETION_REWARD) rewards += t.amount();
      }
      if (!t.billingDate().isAfter(date)) {
        long signed = t.direction() == Direction.CREDIT ? t.amount() : -t.amount();
        endOfDay.merge(t.accountId(), signed, Long::sum);
      }
    }
    long negative =
        endOfDay.entrySet().stream()
            .filter(
                e -> e.getValue() < 0 && roles.getOrDefault(e.getKey(), "worker").equals("worker"))
            .count();
    List<TaskCompletedV1> done =
        completions.stream()
            .filter(c -> LocalDate.ofInstant(c.completedAt(), ZoneOffset.UTC).equals(date))
            .toList();
    long sum = done.stream().mapToLong(TaskCompletedV1::completionReward).sum();
    return new Day(
        fees - rewards,
        negative,
        done.size(),
        done.isEmpty() ? 0 : Math.round((double) sum / done.size()),
        top(done));
  }

  TaskCompletedV1 top(LocalDate from, LocalDate to) {
    return top(completedIn(from, to));
  }

  /**
   * The range's fees minus rewards, averaged over its calendar days, and its completed tasks
   * averaged over all of them; rounding by integer arithmetic, a tie away from zero.
   */
  Summary summary(LocalDate from, LocalDate to) {
    long days = from.datesUntil(to.plusDays(1)).count();
    long income = 0;
    for (TransactionCreatedV1 t : transactions) {
      if (t.billingDate().isBefore(from) || t.billingDate().isAfter(to)) continue;
      if (t.type() == TransactionType.ASSIGNMENT_FEE) income += t.amount();
      if (t.type() == TransactionType.COMPLETION_REWARD) income -= t.amount();
    }
    List<TaskCompletedV1> done = completedIn(from, to);
    long rewards = done.stream().mapToLong(TaskCompletedV1::completionReward).sum();
    long averageReward = done.isEmpty() ? 0 : nearestTieAwayFromZero(rewards, done.size());
    return new Summary(
        from,
        to,
        days,
        income,
        nearestTieAwayFromZero(income, days),
        done.size(),
        averageReward,
        top(done));
  }

  /** {@code n / d} (d > 0) rounded to the nearest whole number, a tie away from zero. */
  static long nearestTieAwayFromZero(long n, long d) {
    long magnitude = (2 * Math.abs(n) + d) / (2 * d);
    return n < 0 ? -magnitude : magnitude;
  }

  private List<TaskCompletedV1> completedIn(LocalDate from, LocalDate to) {
    return completions.stream()
        .filter(
            c -> {
              LocalDate d = LocalDate.ofInstant(c.completedAt(), ZoneOffset.UTC);
              return !d.isBefore(from) && !d.isAfter(to);
            })
        .toList();
  }

  private static TaskCompletedV1 top(List<TaskCompletedV1> tasks) {
    TaskCompletedV1 best = null;
    for (TaskCompletedV1 t : tasks) {
      if (best == null
          || t.completionReward() > best.completionReward()
          || (t.completionReward() == best.completionReward()
              && t.completedAt().isBefore(best.completedAt()))) {
        best = t;
      }
    }
    return best;
  }
}
