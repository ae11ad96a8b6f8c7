package ates.analytics;

import ates.platform.CborSerializable;
import java.time.Instant;
import java.time.LocalDate;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

/**
 * The figures of one billing day, whether held by a day actor or loaded from the database: the
 * same record answers both ways, so hot and cold days give the same result.
 *
 * @param endOfDayBalances every account's balance at the end of the day, with the ledger offset
 *     of the movement it comes from (the newest movement of that day or an earlier one)
 */
public record DayFigures(
    LocalDate date,
    long fees,
    long rewards,
    long completedTasks,
    long rewardSum,
    TaskFigure mostExpensive,
    Map<UUID, Balance> endOfDayBalances)
    implements CborSerializable {

  public record TaskFigure(UUID taskId, String title, String jiraId, long completionReward, Instant completedAt)
      implements CborSerializable {
    /** The higher reward wins; ties go to the earlier completion, then the smaller id. */
    boolean beats(TaskFigure other) {
      if (other == null) return true;
      if (completionReward != other.completionReward) return completionReward > other.completionReward;
      int byTime = completedAt.compareTo(other.completedAt);
      if (byTime != 0) return byTime < 0;
      // as PostgreSQL orders uuids: by their bytes, i.e. their hex text
      return taskId.toString().compareTo(other.taskId.toString()) < 0;
    }
  }

  public record Balance(long balance, long ledgerOffset) implements CborSerializable {}

  static DayFigures empty(LocalDate date) {
    return new DayFigures(date, 0, 0, 0, 0, null, Map.of());
  }

  public long managementEarnings() {
    return fees - rewards;
  }

  /** Accounts below zero at the end of the day, leaving out users whose role is not worker. */
  public long negativeBalanceWorkers(Set<UUID> nonWorkers) {
    return endOfDayBalances.entrySet().stream()
        .filter(e -> e.getValue().balance() < 0 && !nonWorkers.contains(e.getKey()))
        .count();
  }

  /** Average reward of the day's completed tasks, in cents, rounded half up; 0 without tasks. */
  public long averageReward() {
    return completedTasks == 0 ? 0 : Math.round((double) rewardSum / completedTasks);
  }

  DayFigures plus(long feesDelta, long rewardsDelta, long tasksDelta, long rewardSumDelta, TaskFigure candidate) {
    TaskFigure top = candidate != null && candidate.beats(mostExpensive) ? candidate : mostExpensive;
    return new DayFigures(date, fees + feesDelta, rewards + rewardsDelta, completedTasks + tasksDelta,
        rewardSum + rewardSumDelta, top, endOfDayBalances);
  }

  /** A movement's balance, if it is newer in its account's ledger than the one held. */
  DayFigures withBalance(UUID accountId, Balance balance) {
    Balance held = endOfDayBalances.get(accountId);
    if (held != null && held.ledgerOffset() >= balance.ledgerOffset()) return this;
    Map<UUID, Balance> balances = new HashMap<>(endOfDayBalances);
    balances.put(accountId, balance);
    return new DayFigures(date, fees, rewards, completedTasks, rewardSum, mostExpensive, balances);
  }
}
