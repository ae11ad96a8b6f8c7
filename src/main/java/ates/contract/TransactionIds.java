package ates.contract;

import java.time.LocalDate;
import java.util.UUID;

/**
 * The deterministic {@code transactionId} of each business movement (events.md): the same movement
 * always yields the same id, so a redelivered event never moves money twice. Changing a format
 * books every movement already booked once more: the formats are pinned by a test.
 */
public final class TransactionIds {

  private TransactionIds() {}

  /** The fee of assignment number {@code assignmentNo} of a task. */
  public static String assignmentFee(UUID taskId, int assignmentNo) {
    return "fee:" + taskId + ":" + assignmentNo;
  }

  /** The reward of a task's completion (a task is completed once). */
  public static String completionReward(UUID taskId) {
    return "reward:" + taskId;
  }

  /** The payout of an account's billing day. */
  public static String payout(UUID accountId, LocalDate billingDate) {
    return "payout:" + accountId + ":" + billingDate;
  }
}
