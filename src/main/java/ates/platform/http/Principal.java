package ates.platform.http;

import ates.contract.Role;
import java.util.UUID;

/** The authenticated caller of a request, from a verified token. */
public record Principal(UUID userId, String login, Role role) {
  public boolean hasRole(Role... roles) {
    for (Role r : roles) if (r == role) return true;
    return false;
  }
}
