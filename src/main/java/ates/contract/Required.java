package ates.contract;

import java.util.Objects;

/** Checks of the contract records' builders: a field a builder was not given is an error. */
public final class Required {

  private Required() {}

  public static <T> T field(T value, String name) {
    return Objects.requireNonNull(value, () -> name + " is required");
  }
}
