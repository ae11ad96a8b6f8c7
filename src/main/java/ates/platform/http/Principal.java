package ates.platform.http;

import ates.contract.Role;
import java.time.Instant;
import java.util.UUID;

/** The authenticated caller of a request, from a verified token issued at {@code issuedAt}. */
public record Principal(UUID userId, String login, Role role, Instant issuedAt) {
  public boolean hasRole(Role... roles) {
    for (Role r : roles) if (r == role) return true;
    return false;
  }
}
