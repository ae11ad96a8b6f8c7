package ates.platform.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ates.platform.db.ServiceDatabase;
import ates.testing.TestInfra;
import java.time.Duration;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The cluster incarnation row of the start-up guard, on a real PostgreSQL. */
class ClusterIncarnationTest {

  private static final Duration TTL = Duration.ofMinutes(1);

  @Test
  void one_live_cluster_holds_a_database_and_hands_it_on_within_itself() throws Exception {
    try (ServiceDatabase db = TestInfra.freshDatabase("accounting")) {
      var ds = db.dataSource();
      assertTrue(ClusterGuard.read(ds).isEmpty(), "a new database is free");

      String first =
          ClusterGuard.claim(ds, "ates@10.0.0.1:25520", Set.of("ates@10.0.0.1:25520"), TTL)
              .orElseThrow();
      ClusterGuard.Incarnation row = ClusterGuard.read(ds).orElseThrow();
      assertEquals(first, row.incarnation());
      assertEquals("ates@10.0.0.1:25520", row.keeper());
      assertTrue(row.live());
      assertTrue(row.remainingMillis() > TTL.toMillis() - 5_000, "expiry by the database clock");

      assertEquals(
          Optional.empty(),
          ClusterGuard.claim(ds, "ates@10.0.0.9:25520", Set.of("ates@10.0.0.9:25520"), TTL),
          "another cluster cannot claim a live row");

      // the oldest node of the same cluster changes: the incarnation goes on
      Set<String> cluster = Set.of("ates@10.0.0.1:25520", "ates@10.0.0.2:25520");
      assertEquals(Optional.of(first), ClusterGuard.claim(ds, "ates@10.0.0.2:25520", cluster, TTL));
      ClusterGuard.release(ds, "ates@10.0.0.2:25520");
      assertFalse(ClusterGuard.read(ds).orElseThrow().live(), "released: expired at once");
      assertEquals(
          Optional.of(first),
          ClusterGuard.claim(ds, "ates@10.0.0.1:25520", cluster, TTL),
          "released by a member: the same cluster takes it back with its incarnation");
      ClusterGuard.release(ds, "ates@10.0.0.1:25520");

      // released: a new cluster takes it over, as a new incarnation
      String second =
          ClusterGuard.claim(ds, "ates@10.0.0.9:25520", Set.of("ates@10.0.0.9:25520"), TTL)
              .orElseThrow();
      assertNotEquals(first, second);
    }
  }

  @Test
  void the_refusal_says_how_to_join_or_take_over() {
    String message =
        ClusterGuard.refusal(
            "tasks",
            new ClusterGuard.Incarnation("inc-1", "ates@10.0.0.1:25520", true, 12_000),
            Set.of("ates@10.0.0.9:25520"),
            Duration.ofSeconds(20));
    assertTrue(message.contains("tasks database"), message);
    assertTrue(message.contains("10.0.0.1:25520"), message);
    assertTrue(message.contains("ATES_CONTACT_POINTS"), message);
    assertTrue(message.contains("20 s after its last renewal"), message);
  }
}
