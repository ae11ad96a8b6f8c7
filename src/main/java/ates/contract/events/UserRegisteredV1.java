package ates.contract.events;

import ates.contract.Role;
import java.time.Instant;
import java.util.UUID;

/** {@code UserRegistered} v1 on the {@code Users} topic, key {@code userId}. */
public record UserRegisteredV1(
    UUID userId, String login, String fullName, String email, Role role, Instant registeredAt) {
  public static final String NAME = "UserRegistered";
  public static final int VERSION = 1;
}
