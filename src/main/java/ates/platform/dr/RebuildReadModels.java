package ates.platform.dr;

import ates.platform.db.RebuildableReadModel;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;

/**
 * {@code rebuild-read-models <service>... | all}: makes the next node rebuild a service's read
 * models from its journal alone. In each service database, in one transaction, it empties the
 * tables of every read model the service declares ({@link RebuildableReadModel}) and deletes their
 * projections' offsets; a node started afterwards replays the journal from its first event into
 * them (the projections are exactly once: rows and offset in one transaction). Journals, publishing
 * offsets, Kafka consumers' tables and everything else stay as they are.
 *
 * <p>Every node using the database must be stopped first: a running projection keeps its offset in
 * memory and would go on from there. The command refuses while the database's cluster claim ({@code
 * cluster_incarnation}) or any lease ({@code akka_lease}) is live; a stopped node releases them, a
 * crashed node's expire after {@code ATES_LEASE_DURATION}.
 */
final class RebuildReadModels {

  /** What was reset in one service database. */
  record Reset(String service, String database, List<RebuildableReadModel> readModels, long rows) {}

  /** One service and its read models. */
  record Target(String service, String database, List<RebuildableReadModel> readModels) {}

  private RebuildReadModels() {}

  static List<Reset> run(DatabaseServer server, List<Target> targets) throws SQLException {
    for (Target t : targets) {
      if (!server.exists(t.database())) {
        throw new SQLException("database " + t.database() + " of " + t.service() + " not found");
      }
    }
    List<Reset> done = new ArrayList<>();
    for (Target t : targets) {
      try (Connection c = server.connect(t.database())) {
        c.setAutoCommit(false);
        try {
          refuseWhileInUse(c, t.database());
          long rows = 0;
          for (RebuildableReadModel m : t.readModels()) rows += reset(c, m);
          c.commit();
          done.add(new Reset(t.service(), t.database(), t.readModels(), rows));
        } catch (SQLException | RuntimeException e) {
          c.rollback();
          throw e;
        }
      }
    }
    return done;
  }

  /** Empties the read model's tables and deletes its offsets; returns the rows removed. */
  private static long reset(Connection c, RebuildableReadModel m) throws SQLException {
    long rows = 0;
    try (Statement st = c.createStatement()) {
      for (String table : m.tables()) {
        try (ResultSet rs = st.executeQuery("SELECT count(*) FROM " + Backup.quote(table))) {
          rs.next();
          rows += rs.getLong(1);
        }
      }
      st.execute(
          "TRUNCATE " + m.tables().stream().map(Backup::quote).collect(Collectors.joining(", ")));
    }
    try (PreparedStatement ps =
        c.prepareStatement("DELETE FROM akka_projection_offset_store WHERE projection_name = ?")) {
      ps.setString(1, m.projection());
      ps.executeUpdate();
    }
    return rows;
  }

  /** Throws while the database's cluster claim or any lease is live (a node holds it). */
  static void refuseWhileInUse(Connection c, String database) throws SQLException {
    try (Statement st = c.createStatement();
        ResultSet rs =
            st.executeQuery(
                "SELECT (SELECT count(*) FROM cluster_incarnation WHERE expires_at > now()),"
                    + " (SELECT count(*) FROM akka_lease WHERE expires_at > now()),"
                    + " (SELECT max(expires_at) FROM akka_lease WHERE expires_at > now())")) {
      rs.next();
      if (rs.getLong(1) > 0 || rs.getLong(2) > 0) {
        throw new IllegalStateException(
            database
                + " is in use by a running node (cluster claim or "
                + rs.getLong(2)
                + " leases live"
                + (rs.getTimestamp(3) != null ? " until " + rs.getTimestamp(3).toInstant() : "")
                + "): stop every node first; a crashed node's leases expire after"
                + " ATES_LEASE_DURATION");
      }
    }
  }
}
