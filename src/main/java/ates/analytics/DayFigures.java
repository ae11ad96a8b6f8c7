package ates.analytics;

import ates.contract.events.TaskCompletedV1;
import ates.platform.CborSerializable;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.time.Instant;
import java.time.LocalDate;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

/**
 * The figures of one billing day, whether held by a day actor or loaded from the database: the same
 * record answers both ways, so hot and cold days give the same result.
 *
 * @param endOfDayBalances every account's balance at the end of the day: the sum of its movements
 *     booked on that day or before
 */
public record DayFigures(
    LocalDate date,
    long fees,
    long rewards,
    long completedTasks,
    long rewardSum,
    TaskFigure mostExpensive,
    Map<UUID, Long> endOfDayBalances)
    implements CborSerializable {

  public record TaskFigure(
      UUID taskId, String title, String jiraId, long completionReward, Instant completedAt)
      implements CborSerializable {

    /** The figure of a completed task, as its event tells it. */
    static TaskFigure of(TaskCompletedV1 e) {
      return new TaskFigure(
          e.taskId(), e.title(), e.jiraId(), e.completionReward(), e.completedAt());
    }

    /** The higher reward wins; ties go to the earlier completion, then the smaller id. */
    boolean beats(TaskFigure other) {
      if (other == null) return true;
      if (completionReward != other.completionReward)
        return completionReward > other.completionReward;
      int byTime = completedAt.compareTo(other.completedAt);
      if (byTime != 0) return byTime < 0;
      // as PostgreSQL orders uuids: by their bytes, i.e. their hex text
      return taskId.toString().compareTo(other.taskId.toString()) < 0;
    }
  }

  public long managementEarnings() {
    return fees - rewards;
  }

  /** Accounts below zero at the end of the day, leaving out users whose role is not worker. */
  public long negativeBalanceWorkers(Set<UUID> nonWorkers) {
    return endOfDayBalances.entrySet().stream()
        .filter(e -> e.getValue() < 0 && !nonWorkers.contains(e.getKey()))
        .count();
  }

  /** Average reward of the day's completed tasks, in cents, rounded half up; 0 without tasks. */
  public long averageReward() {
    return averageHalfUp(rewardSum, completedTasks);
  }

  /**
   * {@code sum / count}, exact, rounded half up as {@link RoundingMode#HALF_UP} does (a tie goes
   * away from zero: 2.5 → 3, -2.5 → -3); 0 when {@code count} is 0. The one rounding rule of every
   * analytics average.
   */
  static long averageHalfUp(long sum, long count) {
    if (count == 0) return 0;
    return BigDecimal.valueOf(sum)
        .divide(BigDecimal.valueOf(count), 0, RoundingMode.HALF_UP)
        .longValueExact();
  }

  DayFigures plus(
      long feesDelta,
      long rewardsDelta,
      long tasksDelta,
      long rewardSumDelta,
      TaskFigure candidate) {
    TaskFigure top =
        candidate != null && candidate.beats(mostExpensive) ? candidate : mostExpensive;
    return new DayFigures(
        date,
        fees + feesDelta,
        rewards + rewardsDelta,
        completedTasks + tasksDelta,
        rewardSum + rewardSumDelta,
        top,
        endOfDayBalances);
  }

  /** A movement booked on this day or before: it moves the account's end-of-day balance. */
  DayFigures plusMovement(UUID accountId, long signedAmount) {
    Map<UUID, Long> balances = new HashMap<>(endOfDayBalances);
    balances.merge(accountId, signedAmount, Long::sum);
    return new DayFigures(date, fees, rewards, completedTasks, rewardSum, mostExpensive, balances);
  }
}
