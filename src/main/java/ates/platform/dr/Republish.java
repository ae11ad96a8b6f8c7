package ates.platform.dr;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code republish}: makes the next node publish every journal to Kafka again, from its first
 * event, with the original eventIds. For a topic deleted or emptied (its data lost): the node
 * recreates missing topics at its start, its publishers refill them, and every consumer
 * deduplicates the events it already applied (eventId, or the transaction id). In each service
 * database, in one transaction, it deletes the offsets of the publishing projections ({@code
 * publish-*}). Journals, read models and consumers' offsets stay as they are.
 *
 * <p>Every node using the database must be stopped first: a running publisher keeps its offset in
 * memory and would go on from there. The command refuses while the database's cluster claim or any
 * lease is live (as {@code rebuild-read-models}).
 */
final class Republish {

  /** What was reset in one service database. */
  record Reset(String service, String database, int offsets) {}

  private Republish() {}

  /**
   * @param targets the service databases; a service whose database does not exist is skipped (not
   *     run on this deployment)
   */
  static List<Reset> run(DatabaseServer server, List<Backup.Target> targets) throws SQLException {
    List<Backup.Target> present = new ArrayList<>();
    for (Backup.Target t : targets) if (server.exists(t.database())) present.add(t);
    if (present.isEmpty()) throw new SQLException("no service database found");
    // refuse before changing anything: every database is checked first
    for (Backup.Target t : present) {
      try (Connection c = server.connect(t.database())) {
        RebuildReadModels.refuseWhileInUse(c, t.database());
      }
    }
    List<Reset> done = new ArrayList<>();
    for (Backup.Target t : present) {
      try (Connection c = server.connect(t.database())) {
        c.setAutoCommit(false);
        try {
          RebuildReadModels.refuseWhileInUse(c, t.database());
          int offsets = Restore.resetPublishingOffsets(c);
          c.commit();
          done.add(new Reset(t.service(), t.database(), offsets));
        } catch (SQLException | RuntimeException e) {
          c.rollback();
          throw e;
        }
      }
    }
    return done;
  }
}
