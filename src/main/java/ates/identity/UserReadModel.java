package ates.identity;

import akka.actor.typed.ActorSystem;
import ates.contract.Role;
import ates.platform.db.ReadModelProjection;
import ates.platform.db.RebuildableReadModel;
import ates.platform.db.ServiceDatabase;
import ates.platform.http.UserRoles;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletionStage;

/**
 * The identity read model: the {@code users} table of the identity database, kept by an
 * exactly-once projection (the row and the offset in one transaction), one instance per tag.
 */
public final class UserReadModel {

  /** The {@code users} table, rebuilt from the identity journal alone. */
  static final RebuildableReadModel READ_MODEL =
      new RebuildableReadModel("users-read-model", List.of("users"));

  private final ServiceDatabase database;

  public UserReadModel(ServiceDatabase database) {
    this.database = database;
  }

  /**
   * Starts the projection. Besides the rows, every role change it sees is written to the cluster's
   * role stamps ({@link UserRoles}): the route writes it too, at once, but a route that timed out
   * or a node that died after the persist would otherwise leave old tokens valid. Writing a stamp
   * again is harmless (the newest change wins).
   */
  public void startProjection(
      ActorSystem<?> system, String readJournalPluginId, UserRoles userRoles) {
    ReadModelProjection.<User.Event>start(
        system,
        READ_MODEL.projection(),
        User.TAGS.all(),
        readJournalPluginId,
        database,
        IdentityService.NAME,
        (c, envelope) -> {
          apply(c, envelope.event());
          if (envelope.event() instanceof User.RoleChanged e) {
            userRoles.changed(e.userId(), e.role(), e.changedAt());
          }
        });
  }

  static void apply(Connection c, User.Event event) throws SQLException {
    if (event instanceof User.Registered e) {
      try (PreparedStatement ps =
          c.prepareStatement(
              "INSERT INTO users (user_id, login, full_name, email, role, registered_at, updated_at)"
                  + " VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (user_id) DO NOTHING")) {
        ps.setObject(1, e.userId());
        ps.setString(2, e.login());
        ps.setString(3, e.fullName());
        ps.setString(4, e.email());
        ps.setString(5, e.role().wireName());
        ps.setTimestamp(6, Timestamp.from(e.registeredAt()));
        ps.setTimestamp(7, Timestamp.from(e.registeredAt()));
        ps.executeUpdate();
      }
    } else if (event instanceof User.RoleChanged e) {
      try (PreparedStatement ps =
          c.prepareStatement("UPDATE users SET role = ?, updated_at = ? WHERE user_id = ?")) {
        ps.setString(1, e.role().wireName());
        ps.setTimestamp(2, Timestamp.from(e.changedAt()));
        ps.setObject(3, e.userId());
        ps.executeUpdate();
      }
    }
  }

  /** Every user, by login. */
  public CompletionStage<List<User.Profile>> all() {
    return database.query(
        c -> {
          List<User.Profile> users = new ArrayList<>();
          try (PreparedStatement ps =
                  c.prepareStatement(
                      "SELECT user_id, login, full_name, email, role, registered_at, updated_at"
                          + " FROM users"
                          + " ORDER BY login");
              ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
              users.add(
                  new User.Profile(
                      rs.getObject("user_id", UUID.class),
                      rs.getString("login"),
                      rs.getString("full_name"),
                      rs.getString("email"),
                      Role.parse(rs.getString("role")).orElseThrow(),
                      rs.getTimestamp("registered_at").toInstant(),
                      rs.getTimestamp("updated_at").toInstant()));
            }
          }
          return users;
        });
  }
}
