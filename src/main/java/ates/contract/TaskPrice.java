package ates.contract;

import java.util.random.RandomGenerator;

/**
 * The prices of a task, fixed once when it is created (events.md, "Money and time"): the fee its
 * assignee pays at each assignment and the reward paid when it is completed, in integer cents. The
 * pricing policy lives here and nowhere else.
 */
public record TaskPrice(long assignFee, long completionReward) {

  public static final long MIN_ASSIGN_FEE = 1000;
  public static final long MAX_ASSIGN_FEE = 2000;
  public static final long MIN_COMPLETION_REWARD = 2000;
  public static final long MAX_COMPLETION_REWARD = 4000;

  public TaskPrice {
    if (assignFee < MIN_ASSIGN_FEE || assignFee > MAX_ASSIGN_FEE) {
      throw new IllegalArgumentException("assignFee out of range: " + assignFee);
    }
    if (completionReward < MIN_COMPLETION_REWARD || completionReward > MAX_COMPLETION_REWARD) {
      throw new IllegalArgumentException("completionReward out of range: " + completionReward);
    }
  }

  /** A new task's prices: each uniformly random within its range, both bounds included. */
  public static TaskPrice random(RandomGenerator random) {
    return new TaskPrice(
        random.nextLong(MIN_ASSIGN_FEE, MAX_ASSIGN_FEE + 1),
        random.nextLong(MIN_COMPLETION_REWARD, MAX_COMPLETION_REWARD + 1));
  }
}
