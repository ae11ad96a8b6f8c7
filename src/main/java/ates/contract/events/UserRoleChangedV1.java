package ates.contract.events;

import ates.contract.Role;
import java.time.Instant;
import java.util.UUID;

/** {@code UserRoleChanged} v1 on the {@code Users} topic, key {@code userId}. */
public record UserRoleChangedV1(UUID userId, Role role, Instant changedAt) {
  public static final String NAME = "UserRoleChanged";
  public static final int VERSION = 1;
}
