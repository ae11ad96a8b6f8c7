package ates.platform.db;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import akka.actor.testkit.typed.javadsl.ActorTestKit;
import akka.actor.typed.javadsl.Adapter;
import akka.persistence.jdbc.query.javadsl.JdbcReadJournal;
import akka.persistence.query.Offset;
import akka.persistence.query.PersistenceQuery;
import akka.stream.javadsl.Sink;
import ates.testing.IntegrationTest;
import ates.testing.JournalRows;
import ates.testing.TestInfra;
import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

/**
 * A journal write commits in a transaction that holds its event's {@code ordering} from INSERT to
 * COMMIT, and the read journal skips a gap in {@code ordering} for good once it has waited long
 * enough. With the shipped settings (conf/persistence.conf): a write committed late, but within the
 * write-transaction timeout, still reaches {@code eventsByTag}, in order; a write left open longer
 * is ended by the server and never commits; and the read journal's wait outlasts that timeout.
 */
@IntegrationTest
class JournalGapTest {

  private static final String TAG = "gap-test";

  /** The shipped persistence settings, on the given database, on a local actor system. */
  static Config shipped(String url) {
    Map<String, Object> db =
        Map.of(
            "ates.db.resolved.identity",
            url,
            "ates.db.resolved.tasks",
            url,
            "ates.db.resolved.accounting",
            url,
            "ates.db.user",
            "postgres",
            "ates.db.password",
            "",
            "ates.db.pool-size",
            2,
            "akka.actor.provider",
            "local");
    return ConfigFactory.parseMap(db)
        .withFallback(ConfigFactory.parseResources("persistence.conf"))
        .withFallback(ConfigFactory.defaultReference())
        .resolve();
  }

  @Test
  void the_gap_wait_outlasts_the_write_transaction_timeout() {
    Config config = shipped("jdbc:postgresql://127.0.0.1/unused");
    Duration timeout = config.getDuration("ates.persistence.write-transaction-timeout");
    Config sequence = config.getConfig("ates.tasks.query.journal-sequence-retrieval");
    Duration gapWait =
        sequence.getDuration("query-delay").multipliedBy(sequence.getInt("max-tries"));
    assertTrue(
        gapWait.compareTo(timeout.multipliedBy(2)) >= 0,
        "gap wait " + gapWait + " against write timeout " + timeout);
    assertEquals(
        "SET idle_in_transaction_session_timeout = '" + timeout.toSeconds() + "s'",
        config.getString("akka-persistence-jdbc.shared-databases.tasks.db.connectionInitSql"));
  }

  /**
   * Given a write holding ordering n open while a later write (n + 1) commits, when the first
   * commits 3 s later (three times the read journal's former wait, within the write timeout), then
   * {@code eventsByTag} delivers both, the first first.
   */
  @Test
  void a_write_committed_late_within_the_timeout_reaches_the_read_journal_in_order()
      throws Exception {
    try (ServiceDatabase db = TestInfra.freshDatabase("tasks")) {
      ActorTestKit kit = ActorTestKit.create("journal-gap", shipped(db.dataSource().getJdbcUrl()));
      try (Connection held = db.dataSource().getConnection();
          Connection later = db.dataSource().getConnection()) {
        held.setAutoCommit(false);
        JournalRows.insertTagged(held, "held-1", "first", TAG);
        later.setAutoCommit(false);
        JournalRows.insertTagged(later, "later-1", "second", TAG);
        later.commit();

        List<String> delivered = new CopyOnWriteArrayList<>();
        JdbcReadJournal journal =
            PersistenceQuery.get(Adapter.toClassic(kit.system()))
                .getReadJournalFor(JdbcReadJournal.class, "ates.tasks.query");
        journal
            .eventsByTag(TAG, Offset.noOffset())
            .runWith(Sink.foreach(e -> delivered.add((String) e.event())), kit.system());

        // the writer's pause is the fault: time, not a condition
        await().pollDelay(Duration.ofSeconds(3)).atMost(Duration.ofSeconds(8)).until(() -> true);
        held.commit();

        await()
            .atMost(Duration.ofSeconds(30))
            .pollInterval(Duration.ofMillis(200))
            .untilAsserted(() -> assertEquals(List.of("first", "second"), delivered));
      } finally {
        kit.shutdownTestKit();
      }
    }
  }

  /**
   * Given a connection set up as the journal's pool sets it up, when its transaction stays idle
   * past the write timeout, then the server ends the session: the commit fails and the event is not
   * in the journal.
   */
  @Test
  void a_write_left_open_past_the_timeout_never_commits() throws Exception {
    try (ServiceDatabase db = TestInfra.freshDatabase("tasks")) {
      String initSql =
          shipped(db.dataSource().getJdbcUrl())
              .getString("akka-persistence-jdbc.shared-databases.tasks.db.connectionInitSql");
      try (Connection paused = db.dataSource().getConnection();
          Connection observer = db.dataSource().getConnection()) {
        try (Statement s = paused.createStatement()) {
          s.execute(initSql);
        }
        int pid = backendPid(paused);
        paused.setAutoCommit(false);
        JournalRows.insertTagged(paused, "paused-1", "never", TAG);

        await()
            .atMost(Duration.ofSeconds(30))
            .pollInterval(Duration.ofMillis(250))
            .until(() -> !sessionExists(observer, pid));

        assertThrows(SQLException.class, paused::commit);
        assertEquals(0, eventsOf(observer, "paused-1"));
      }
    }
  }

  private static int backendPid(Connection c) throws SQLException {
    try (Statement s = c.createStatement();
        ResultSet r = s.executeQuery("SELECT pg_backend_pid()")) {
      r.next();
      return r.getInt(1);
    }
  }

  private static boolean sessionExists(Connection c, int pid) throws SQLException {
    try (PreparedStatement s = c.prepareStatement("SELECT 1 FROM pg_stat_activity WHERE pid = ?")) {
      s.setInt(1, pid);
      try (ResultSet r = s.executeQuery()) {
        return r.next();
      }
    }
  }

  private static long eventsOf(Connection c, String persistenceId) throws SQLException {
    try (PreparedStatement s =
        c.prepareStatement("SELECT count(*) FROM event_journal WHERE persistence_id = ?")) {
      s.setString(1, persistenceId);
      try (ResultSet r = s.executeQuery()) {
        r.next();
        return r.getLong(1);
      }
    }
  }
}
