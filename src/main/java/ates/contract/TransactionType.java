package ates.contract;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import java.util.Locale;

/**
 * The kinds of ledger movement (the {@code type} of {@code TransactionCreated}, events.md), each
 * with the direction it moves money in. Services compare these values, never their wire names.
 */
public enum TransactionType {
  /** Taken from the assignee at each assignment of a task. */
  ASSIGNMENT_FEE("assignment_fee", Direction.DEBIT),
  /** Paid to the assignee who completes a task. */
  COMPLETION_REWARD("completion_reward", Direction.CREDIT),
  /** A positive end-of-day balance paid out, bringing that day's balance to zero. */
  PAYOUT("payout", Direction.DEBIT);

  private final String wireName;
  private final Direction direction;

  TransactionType(String wireName, Direction direction) {
    this.wireName = wireName;
    this.direction = direction;
  }

  /** As on the {@code TransactionCreated} topic; fixed by the contract, not by the constant. */
  @JsonValue
  public String wireName() {
    return wireName;
  }

  public Direction direction() {
    return direction;
  }

  /** {@code amount} as this movement changes the balance (see {@link Direction#signed}). */
  public long signed(long amount) {
    return direction.signed(amount);
  }

  /** The type of a wire name; an {@link IllegalArgumentException} for anything else. */
  public static TransactionType fromWire(String value) {
    for (TransactionType t : values()) {
      if (t.wireName.equals(value)) return t;
    }
    throw new IllegalArgumentException("unknown transaction type: " + value);
  }

  /**
   * Reads the wire name, and the upper-case spelling that ledger journals written before the
   * contract types existed hold ({@code ASSIGNMENT_FEE}), so old events still replay.
   */
  @JsonCreator(mode = JsonCreator.Mode.DELEGATING)
  static TransactionType fromJson(String value) {
    for (TransactionType t : values()) {
      if (t.wireName.equals(value) || t.wireName.toUpperCase(Locale.ROOT).equals(value)) return t;
    }
    throw new IllegalArgumentException("unknown transaction type: " + value);
  }
}
