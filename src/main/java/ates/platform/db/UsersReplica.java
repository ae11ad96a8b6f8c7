package ates.platform.db;

import ates.contract.EventEnvelope;
import ates.contract.EventJson;
import ates.contract.events.UserRegisteredV1;
import ates.contract.events.UserRoleChangedV1;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.util.concurrent.CompletionStage;

/**
 * A service's replica of users, kept from the {@code Users} topic in the table {@value #TABLE} of
 * the service's own database (every service has the same table; none reads another's). The one rule
 * every replica follows:
 *
 * <ul>
 *   <li>the profile (login, full name, email) comes from {@code UserRegistered}, and is filled
 *       whenever the registration arrives;
 *   <li>the role is that of the latest event by its time ({@code registeredAt}, {@code changedAt},
 *       kept in {@code changed_at}): a {@code UserRoleChanged} replaces the stored role unless it
 *       is older than it (on equal times the role change wins: it comes later in the user's
 *       partition); a {@code UserRegistered} sets the role only of a user not known yet, so a
 *       registration never overwrites a role change, whichever of the two arrives first.
 * </ul>
 *
 * <p>A redelivered event therefore changes nothing, an older one arriving late never wins, and a
 * role change read before its registration is kept (its row has no profile until then).
 */
public final class UsersReplica {

  public static final String TABLE = "known_users";

  private UsersReplica() {}

  /** Applies a {@code Users} event in its own statement; other events change nothing. */
  public static CompletionStage<Boolean> apply(ServiceDatabase database, EventEnvelope envelope) {
    return database.query(c -> apply(c, envelope));
  }

  /**
   * Applies a {@code Users} event on the caller's connection (in the caller's transaction, if any).
   *
   * @return whether the user's row changed; false for events of other names
   */
  public static boolean apply(Connection c, EventEnvelope envelope) throws SQLException {
    return switch (envelope.eventName()) {
      case UserRegisteredV1.NAME ->
          registered(c, EventJson.dataAs(envelope, UserRegisteredV1.class));
      case UserRoleChangedV1.NAME ->
          roleChanged(c, EventJson.dataAs(envelope, UserRoleChangedV1.class));
      default -> false;
    };
  }

  private static boolean registered(Connection c, UserRegisteredV1 e) throws SQLException {
    try (PreparedStatement ps =
        c.prepareStatement(
            "INSERT INTO known_users (user_id, login, full_name, email, role, changed_at)"
                + " VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (user_id) DO UPDATE"
                + " SET login = EXCLUDED.login, full_name = EXCLUDED.full_name,"
                + " email = EXCLUDED.email"
                + " WHERE known_users.login IS DISTINCT FROM EXCLUDED.login"
                + " OR known_users.full_name IS DISTINCT FROM EXCLUDED.full_name"
                + " OR known_users.email IS DISTINCT FROM EXCLUDED.email")) {
      ps.setObject(1, e.userId());
      ps.setString(2, e.login());
      ps.setString(3, e.fullName());
      ps.setString(4, e.email());
      ps.setString(5, e.role().wireName());
      ps.setTimestamp(6, Timestamp.from(e.registeredAt()));
      return ps.executeUpdate() > 0;
    }
  }

  private static boolean roleChanged(Connection c, UserRoleChangedV1 e) throws SQLException {
    try (PreparedStatement ps =
        c.prepareStatement(
            "INSERT INTO known_users (user_id, role, changed_at) VALUES (?, ?, ?)"
                + " ON CONFLICT (user_id) DO UPDATE"
                + " SET role = EXCLUDED.role, changed_at = EXCLUDED.changed_at"
                + " WHERE known_users.changed_at <= EXCLUDED.changed_at"
                + " AND (known_users.role, known_users.changed_at)"
                + " IS DISTINCT FROM (EXCLUDED.role, EXCLUDED.changed_at)")) {
      ps.setObject(1, e.userId());
      ps.setString(2, e.role().wireName());
      ps.setTimestamp(3, Timestamp.from(e.changedAt()));
      return ps.executeUpdate() > 0;
    }
  }
}
