package ates.contract;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import java.util.Locale;

/**
 * Which way a ledger movement moves money (events.md: amounts are positive, the direction gives the
 * sign). The sign rule lives here and nowhere else.
 */
public enum Direction {
  /** Takes money from the account. */
  DEBIT("debit"),
  /** Gives money to the account. */
  CREDIT("credit");

  private final String wireName;

  Direction(String wireName) {
    this.wireName = wireName;
  }

  /** As on the {@code TransactionCreated} topic; fixed by the contract, not by the constant. */
  @JsonValue
  public String wireName() {
    return wireName;
  }

  /** The movement as it changes the balance: a credit adds {@code amount}, a debit subtracts it. */
  public long signed(long amount) {
    return this == CREDIT ? amount : -amount;
  }

  /** The direction of a wire name; an {@link IllegalArgumentException} for anything else. */
  public static Direction fromWire(String value) {
    for (Direction d : values()) {
      if (d.wireName.equals(value)) return d;
    }
    throw new IllegalArgumentException("unknown direction: " + value);
  }

  /**
   * Reads the wire name, and the upper-case spelling that ledger journals written before the
   * contract types existed hold ({@code DEBIT}), so old events still replay.
   */
  @JsonCreator(mode = JsonCreator.Mode.DELEGATING)
  static Direction fromJson(String value) {
    for (Direction d : values()) {
      if (d.wireName.equals(value) || d.wireName.toUpperCase(Locale.ROOT).equals(value)) return d;
    }
    throw new IllegalArgumentException("unknown direction: " + value);
  }
}
