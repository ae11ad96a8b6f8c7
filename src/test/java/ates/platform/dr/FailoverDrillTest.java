package ates.platform.dr;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ates.testing.CommandProcess;
import ates.testing.EmbeddedDefaultNode;
import ates.testing.Http;
import ates.testing.IntegrationTest;
import ates.testing.NodeProcess;
import ates.testing.TestInfra;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

/**
 * The failover drill of issue 12: a node on the embedded primary and its synchronous hot standby
 * ({@code ATES_DB_STANDBY=true}) under steady writes (users created through the API). The primary
 * PostgreSQL is killed with SIGKILL and {@code db-failover} promotes the standby: the node resumes
 * writing without a restart, and every write acknowledged before or after the kill is there (RPO
 * 0). Prints the RTO, from the kill to the first acknowledged write.
 */
@IntegrationTest
class FailoverDrillTest {

  private static final Path LOG = Path.of("target", "failover-drill.log");

  @Test
  void sigkill_the_primary_promote_the_standby_no_acknowledged_write_lost() throws Exception {
    Path data = Files.createTempDirectory("ates-failover-");
    EmbeddedDefaultNode node = EmbeddedDefaultNode.on(data);
    int standbyPort = TestInfra.freePort();
    Map<String, String> env = node.environment();
    env.put("ATES_SERVICES", "identity");
    env.put("ATES_DB_STANDBY", "true");
    env.put("ATES_DB_STANDBY_PORT", Integer.toString(standbyPort));
    NodeProcess process = NodeProcess.start(env, node.httpPort(), node.managementPort(), LOG);
    try {
      Http http = new Http(node.httpPort());
      String admin = http.login("admin", TestInfra.ADMIN_PASSWORD);
      assertEquals("on", show(node.jdbcUrl("ates_identity"), "synchronous_commit"));

      Map<String, Long> acknowledgedAt = new ConcurrentHashMap<>();
      // when each acknowledged request was sent: a request sent before the kill may commit
      // before it and be answered after it, which says nothing about recovery
      Map<String, Long> sentAtOf = new ConcurrentHashMap<>();
      AtomicBoolean loading = new AtomicBoolean(true);
      Thread load =
          new Thread(
              () -> {
                int n = 0;
                while (loading.get()) {
                  String login = "failover" + n++;
                  long sentAt = System.nanoTime();
                  try {
                    if (http.post("/api/users", admin, user(login)).status() == 201) {
                      acknowledgedAt.put(login, System.nanoTime());
                      sentAtOf.put(login, sentAt);
                    }
                  } catch (RuntimeException e) {
                    // the node could not answer in time: not acknowledged
                  }
                }
              });
      load.start();
      await().atMost(Duration.ofSeconds(60)).until(() -> acknowledgedAt.size() >= 20);

      // when the primary PostgreSQL dies and the standby is promoted
      long pid =
          Long.parseLong(Files.readAllLines(data.resolve("postgres/postmaster.pid")).get(0).trim());
      ProcessHandle primary = ProcessHandle.of(pid).orElseThrow();
      long killedAt = System.nanoTime();
      primary.destroyForcibly(); // SIGKILL
      primary.onExit().join();
      CommandProcess.Result failover = CommandProcess.run(env, LOG, "db-failover");
      long promotedAt = System.nanoTime();
      assertEquals(0, failover.exitCode(), failover.output());
      assertTrue(failover.output().contains("promoted"), failover.output());

      // then the node writes again without a restart
      await()
          .atMost(Duration.ofSeconds(90))
          .until(() -> sentAtOf.values().stream().filter(t -> t > promotedAt).count() >= 10);
      loading.set(false);
      load.join();
      long firstAfter =
          sentAtOf.entrySet().stream()
              .filter(e -> e.getValue() > killedAt)
              .mapToLong(e -> acknowledgedAt.get(e.getKey()))
              .min()
              .getAsLong();
      long firstAfterPromotion =
          sentAtOf.entrySet().stream()
              .filter(e -> e.getValue() > promotedAt)
              .mapToLong(e -> acknowledgedAt.get(e.getKey()))
              .min()
              .getAsLong();
      System.out.printf(
          "FAILOVER DRILL: RTO %d ms from SIGKILL of the primary to the first acknowledged write"
              + " sent after it; db-failover took %d ms (JVM start included); the node wrote"
              + " again %d ms after db-failover returned%n",
          (firstAfter - killedAt) / 1_000_000,
          failover.millis(),
          (firstAfterPromotion - promotedAt) / 1_000_000);

      // and every acknowledged write is on the promoted server (RPO 0)
      List<String> acknowledged = List.copyOf(acknowledgedAt.keySet());
      String promoted = "jdbc:postgresql://127.0.0.1:" + standbyPort + "/ates_identity";
      await()
          .atMost(Duration.ofSeconds(60))
          .untilAsserted(
              () -> assertEquals(acknowledged.size(), usersPresent(promoted, acknowledged)));
      for (String login : List.of(acknowledged.get(0), acknowledged.get(acknowledged.size() - 1)))
        http.login(login);
    } finally {
      process.stop();
    }
  }

  private static String user(String login) {
    return "{\"login\":\""
        + login
        + "\",\"password\":\""
        + Http.passwordOf(login)
        + "\",\"fullName\":\""
        + login
        + "\",\"email\":\""
        + login
        + "@example.com\",\"role\":\"worker\"}";
  }

  private static int usersPresent(String url, List<String> logins) throws Exception {
    try (Connection c = DriverManager.getConnection(url, "postgres", "");
        PreparedStatement ps =
            c.prepareStatement("SELECT count(*) FROM users WHERE login = ANY (?)")) {
      ps.setArray(1, c.createArrayOf("varchar", logins.toArray()));
      try (ResultSet rs = ps.executeQuery()) {
        rs.next();
        return rs.getInt(1);
      }
    }
  }

  private static String show(String url, String setting) throws Exception {
    try (Connection c = DriverManager.getConnection(url, "postgres", "");
        ResultSet rs = c.createStatement().executeQuery("SHOW " + setting)) {
      rs.next();
      return rs.getString(1);
    }
  }
}
