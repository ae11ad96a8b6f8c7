package ates.contract;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import java.util.Arrays;
import java.util.Locale;
import java.util.Optional;

/** The roles of aTES users, as they appear in tokens, the HTTP API and the {@code Users} topic. */
public enum Role {
  WORKER,
  MANAGER,
  ACCOUNTANT,
  ADMIN;

  @JsonValue
  public String wireName() {
    return name().toLowerCase(Locale.ROOT);
  }

  /** Parses a wire name ({@code worker}, ...); empty for anything else. */
  public static Optional<Role> parse(String value) {
    if (value == null) return Optional.empty();
    return Arrays.stream(values()).filter(r -> r.wireName().equals(value)).findFirst();
  }

  @JsonCreator(mode = JsonCreator.Mode.DELEGATING)
  static Role fromJson(String value) {
    return parse(value).orElseThrow(() -> new IllegalArgumentException("unknown role: " + value));
  }
}
