package ates.platform.cluster;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import akka.actor.testkit.typed.javadsl.ActorTestKit;
import akka.coordination.lease.javadsl.Lease;
import akka.coordination.lease.javadsl.LeaseProvider;
import ates.platform.db.ServiceDatabase;
import ates.testing.TcpFaultProxy;
import ates.testing.TestInfra;
import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import java.net.URI;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.time.Duration;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import javax.sql.DataSource;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * The Postgres lease against a real PostgreSQL, with short timings (lease duration 3 s, renewal
 * every 500 ms, safety margin 1 s). Each "node" is an actor system of its own with its own pool;
 * node A's pool goes through a TCP proxy that a test cuts.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class PostgresLeaseTest {

  private static final Duration DURATION = Duration.ofSeconds(3);
  private static final Duration HEARTBEAT = Duration.ofMillis(500);
  private static final Duration MARGIN = Duration.ofSeconds(1);
  private static final String PATH = "ates.lease.by-service.tasks";

  private ServiceDatabase db;
  private ActorTestKit nodeB;
  private HikariDataSource direct;

  @BeforeAll
  void start() {
    db = TestInfra.freshDatabase("tasks");
    direct = pool(db.dataSource().getJdbcUrl());
    nodeB = node("B", direct);
  }

  @AfterAll
  void stop() {
    if (nodeB != null) nodeB.shutdownTestKit();
    if (direct != null) direct.close();
    if (db != null) db.close();
  }

  static Config config() {
    return ConfigFactory.parseString(
            "ates.lease { duration = 3s, heartbeat-interval = 500ms, safety-margin = 1s,"
                + " operation-timeout = 1s }")
        .withFallback(ConfigFactory.parseResources("lease.conf"))
        .withFallback(ConfigFactory.defaultReference())
        .resolve();
  }

  private static ActorTestKit node(String name, DataSource dataSource) {
    ActorTestKit kit = ActorTestKit.create("lease-" + name, config());
    LeaseDatabases.get(kit.system()).register("tasks", dataSource);
    return kit;
  }

  private static HikariDataSource pool(String jdbcUrl) {
    HikariConfig hc = new HikariConfig();
    hc.setJdbcUrl(jdbcUrl);
    hc.setUsername("postgres");
    hc.setPassword("");
    hc.setMaximumPoolSize(2);
    hc.setMinimumIdle(0);
    hc.setConnectionTimeout(1000);
    hc.addDataSourceProperty("connectTimeout", "1");
    hc.addDataSourceProperty("socketTimeout", "2");
    return new HikariDataSource(hc);
  }

  private static Lease lease(ActorTestKit node, String name) {
    return LeaseProvider.get(node.system()).getLease(name, PATH, "owner-" + node.system().name());
  }

  private static boolean acquire(Lease lease) throws Exception {
    return lease.acquire().toCompletableFuture().get(5, TimeUnit.SECONDS);
  }

  @Test
  void a_lease_has_one_owner_until_its_owner_releases_it() throws Exception {
    ActorTestKit nodeA = node("A1", direct);
    try {
      String name = "one-owner-" + UUID.randomUUID();
      Lease a = lease(nodeA, name);
      Lease b = lease(nodeB, name);
      assertTrue(acquire(a), "A acquires a free lease");
      assertFalse(acquire(b), "B cannot take a held lease");
      assertTrue(acquire(a), "the owner acquires its own lease again");
      assertTrue(a.checkLease());
      assertFalse(b.checkLease());
      assertTrue(a.release().toCompletableFuture().get(5, TimeUnit.SECONDS));
      assertFalse(a.checkLease(), "released");
      assertTrue(acquire(b), "B takes a released lease at once");
      assertFalse(acquire(a), "and A cannot take it back");
    } finally {
      nodeA.shutdownTestKit();
    }
  }

  @Test
  void renewals_keep_a_lease_for_longer_than_its_duration() throws Exception {
    ActorTestKit nodeA = node("A2", direct);
    try {
      String name = "renewed-" + UUID.randomUUID();
      Lease a = lease(nodeA, name);
      Lease b = lease(nodeB, name);
      assertTrue(acquire(a));
      await()
          .during(DURATION.multipliedBy(2))
          .atMost(DURATION.multipliedBy(3))
          .pollInterval(Duration.ofMillis(300))
          .until(() -> a.checkLease() && !acquire(b));
    } finally {
      nodeA.shutdownTestKit();
    }
  }

  @Test
  void a_crashed_owner_s_lease_goes_to_another_owner_once_it_expires() throws Exception {
    ActorTestKit nodeA = node("A3", direct);
    String name = "crashed-" + UUID.randomUUID();
    assertTrue(acquire(lease(nodeA, name)));
    // let a renewal or two happen, then the owner dies without releasing
    await().pollDelay(HEARTBEAT.multipliedBy(2)).until(() -> true);
    nodeA.system().terminate();
    nodeA.system().getWhenTerminated().toCompletableFuture().get(10, TimeUnit.SECONDS);
    long crashed = System.nanoTime();
    Lease b = lease(nodeB, name);
    await()
        .atMost(DURATION.plusSeconds(2))
        .pollInterval(Duration.ofMillis(100))
        .until(() -> acquire(b));
    long tookMs = (System.nanoTime() - crashed) / 1_000_000;
    System.out.printf("lease of a crashed owner taken over after %d ms%n", tookMs);
    // the row outlives the last renewal (at most one heartbeat before the crash) by DURATION
    assertTrue(
        tookMs >= DURATION.minus(HEARTBEAT).toMillis() - 200,
        "not before the lease expired: " + tookMs + " ms");
  }

  @Test
  void a_lease_whose_row_another_owner_took_is_lost_at_the_next_renewal() throws Exception {
    ActorTestKit nodeA = node("A4", direct);
    try {
      String name = "taken-" + UUID.randomUUID();
      Lease a = lease(nodeA, name);
      AtomicLong lostAt = new AtomicLong();
      assertTrue(
          a.acquire(reason -> lostAt.set(System.nanoTime()))
              .toCompletableFuture()
              .get(5, TimeUnit.SECONDS));
      try (Connection c = direct.getConnection();
          PreparedStatement ps =
              c.prepareStatement(
                  "UPDATE akka_lease SET owner = 'intruder', expires_at = now() + interval '1 hour'"
                      + " WHERE name = ?")) {
        ps.setString(1, name);
        assertEquals(1, ps.executeUpdate());
      }
      long taken = System.nanoTime();
      await().atMost(HEARTBEAT.multipliedBy(4)).until(() -> lostAt.get() != 0);
      assertFalse(a.checkLease());
      System.out.printf("lost %d ms after its row was taken%n", (lostAt.get() - taken) / 1_000_000);
    } finally {
      nodeA.shutdownTestKit();
    }
  }

  @Test
  void cut_off_from_its_database_the_holder_gives_the_lease_up_before_another_can_take_it()
      throws Exception {
    URI url = URI.create(db.dataSource().getJdbcUrl().substring("jdbc:".length()));
    try (TcpFaultProxy proxy = TcpFaultProxy.start(0, url.getPort());
        HikariDataSource throughProxy =
            pool("jdbc:postgresql://127.0.0.1:" + proxy.port() + url.getPath())) {
      ActorTestKit nodeA = node("A5", throughProxy);
      try {
        String name = "cut-" + UUID.randomUUID();
        Lease a = lease(nodeA, name);
        Lease b = lease(nodeB, name);
        AtomicLong lostAt = new AtomicLong();
        assertTrue(
            a.acquire(reason -> lostAt.set(System.nanoTime()))
                .toCompletableFuture()
                .get(5, TimeUnit.SECONDS));
        await().pollDelay(HEARTBEAT.multipliedBy(2)).until(() -> true);
        assertTrue(a.checkLease());

        proxy.reset();
        long cutAt = System.nanoTime();
        AtomicLong acquiredAt = new AtomicLong();
        await()
            .atMost(DURATION.plusSeconds(3))
            .pollInterval(Duration.ofMillis(50))
            .until(
                () -> {
                  if (acquire(b)) acquiredAt.set(System.nanoTime());
                  return acquiredAt.get() != 0;
                });
        assertTrue(lostAt.get() != 0, "A's lease-lost callback was called");
        assertFalse(a.checkLease(), "A no longer trusts its lease");
        long lostMs = (lostAt.get() - cutAt) / 1_000_000;
        long gapMs = (acquiredAt.get() - lostAt.get()) / 1_000_000;
        System.out.printf(
            "cut: A gave the lease up after %d ms, B took it %d ms later%n", lostMs, gapMs);
        assertTrue(gapMs > 0, "A gave the lease up before B took it over (gap " + gapMs + " ms)");
        assertTrue(
            lostMs <= DURATION.minus(MARGIN).plus(Duration.ofMillis(500)).toMillis(),
            "A gave it up within duration - margin of its last renewal: " + lostMs + " ms");
      } finally {
        nodeA.shutdownTestKit();
      }
    }
  }

  @Test
  void timings_that_cannot_keep_a_lease_are_refused() {
    assertThrows(
        IllegalArgumentException.class,
        () ->
            new LeaseTiming(
                Duration.ofSeconds(3),
                Duration.ofSeconds(2),
                Duration.ofSeconds(1),
                Duration.ofSeconds(1)));
    LeaseTiming ok = LeaseTiming.from(config().getConfig(PATH));
    assertEquals(DURATION, ok.duration());
    assertEquals(DURATION.minus(MARGIN), ok.localValidity());
  }
}
