package ates.contract;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;

/** Why a task was assigned (the {@code reason} of {@code TaskAssigned}, events.md). */
public enum AssignmentReason {
  /** The first assignment, when the task is created. */
  CREATED("created"),
  /** A reassignment by a shuffle. */
  SHUFFLE("shuffle");

  private final String wireName;

  AssignmentReason(String wireName) {
    this.wireName = wireName;
  }

  /** As on the {@code TaskAssigned} topic; fixed by the contract, not by the constant. */
  @JsonValue
  public String wireName() {
    return wireName;
  }

  /** The reason of a wire name; an {@link IllegalArgumentException} for anything else. */
  @JsonCreator(mode = JsonCreator.Mode.DELEGATING)
  public static AssignmentReason fromWire(String value) {
    for (AssignmentReason r : values()) {
      if (r.wireName.equals(value)) return r;
    }
    throw new IllegalArgumentException("unknown assignment reason: " + value);
  }
}
