package ates.platform;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import akka.actor.testkit.typed.javadsl.ActorTestKit;
import ates.platform.db.ServiceDatabase;
import ates.testing.IntegrationTest;
import ates.testing.TestInfra;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The projection backlog read from a service database: a projection whose stored offset is behind
 * its tag's events has those events as backlog, aged by the oldest one's journal write time (what a
 * stalled projection shows); one at its tag's newest event has none, whatever other tags hold.
 */
@IntegrationTest
class NodeMonitorTest {

  private static ActorTestKit testKit;
  private static ServiceDatabase db;

  @BeforeAll
  static void start() {
    testKit = ates.testing.ReadModelTestKit.actorTestKit("NodeMonitorTest");
    db = TestInfra.freshDatabase("tasks");
    db.useDispatcherOf(testKit.system());
  }

  @AfterAll
  static void stop() {
    db.close();
    testKit.shutdownTestKit();
  }

  @Test
  void a_projection_behind_its_tag_has_a_backlog_and_one_caught_up_has_none() throws Exception {
    long now = System.currentTimeMillis();
    try (Connection c = db.dataSource().getConnection()) {
      // tag a: events 1 (10 min old), 2 (5 min old), 3 (now); tag b: event 4
      event(c, 1, "a", now - 600_000);
      event(c, 2, "a", now - 300_000);
      event(c, 3, "a", now);
      event(c, 4, "b", now - 900_000);
      offset(c, "stuck", "a", 1); // processed event 1 only
      offset(c, "current", "b", 4);
    }
    Metrics metrics = new Metrics();

    NodeMonitor.sampleBacklog(db, metrics).toCompletableFuture().get(10, TimeUnit.SECONDS);

    String scrape = metrics.scrape();
    assertEquals(2, value(scrape, "ates_projection_backlog_events", "stuck", "a"), scrape);
    double age = value(scrape, "ates_projection_backlog_age_seconds", "stuck", "a");
    assertTrue(age >= 300 && age < 360, "age of event 2: " + age);
    assertEquals(0, value(scrape, "ates_projection_backlog_events", "current", "b"), scrape);
    assertEquals(0, value(scrape, "ates_projection_backlog_age_seconds", "current", "b"), scrape);
  }

  private static void event(Connection c, long ordering, String tag, long writtenAt)
      throws Exception {
    try (PreparedStatement ps =
        c.prepareStatement(
            "INSERT INTO event_journal (ordering, persistence_id, sequence_number, writer,"
                + " write_timestamp, event_ser_id, event_ser_manifest, event_payload)"
                + " VALUES (?, ?, 1, 'test', ?, 1, 'm', '\\x00')")) {
      ps.setLong(1, ordering);
      ps.setString(2, "entity-" + ordering);
      ps.setLong(3, writtenAt);
      ps.executeUpdate();
    }
    try (PreparedStatement ps =
        c.prepareStatement("INSERT INTO event_tag (event_id, tag) VALUES (?, ?)")) {
      ps.setLong(1, ordering);
      ps.setString(2, tag);
      ps.executeUpdate();
    }
  }

  private static void offset(Connection c, String projection, String key, long ordering)
      throws Exception {
    try (PreparedStatement ps =
        c.prepareStatement(
            "INSERT INTO akka_projection_offset_store (projection_name, projection_key,"
                + " current_offset, manifest, mergeable, last_updated)"
                + " VALUES (?, ?, ?, 'SEQ', false, 0)")) {
      ps.setString(1, projection);
      ps.setString(2, key);
      ps.setString(3, Long.toString(ordering));
      ps.executeUpdate();
    }
  }

  private static double value(String scrape, String name, String projection, String key) {
    Matcher m =
        Pattern.compile(
                "(?m)^"
                    + name
                    + "\\{key=\""
                    + key
                    + "\",projection=\""
                    + projection
                    + "\"} (\\S+)$")
            .matcher(scrape);
    assertTrue(m.find(), name + " of " + projection + " in\n" + scrape);
    return Double.parseDouble(m.group(1));
  }
}
