package ates.platform.dr;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ates.Main;
import ates.platform.AtesNode;
import ates.testing.CommandProcess;
import ates.testing.Http;
import ates.testing.IntegrationTest;
import ates.testing.TestInfra;
import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/**
 * {@code rebuild-read-models}: after a scenario (users, tasks, completions, a shuffle, a closed
 * billing day with payouts), the node is stopped, the command empties every journal-built read
 * model and deletes its projection offsets, and a node started again rebuilds them from the
 * journals: the users, the task list, every balance and audit log, the earnings and the billing
 * runs are what they were; the payout mails are kept. The command refuses while a node runs, and
 * for analytics.
 */
@IntegrationTest
class RebuildReadModelsTest {

  private static final Duration TIMEOUT = Duration.ofSeconds(90);
  private static final Path LOG = Path.of("target", "rebuild-read-models.log");
  private static final int TASKS = 24;

  @Test
  void read_models_are_rebuilt_from_the_journal_alone() throws Exception {
    TestInfra infra = TestInfra.get();
    TestInfra.NodeSetup setup = infra.newNode();
    Map<String, String> env =
        TestInfra.environment(
            infra.postgresServerUrl(),
            infra.kafkaBootstrap(),
            setup,
            "all",
            TestInfra.freePort(),
            TestInfra.freePort());
    AtesNode node = AtesNode.start(infra.nodeConfig(setup, "all"), Main.services());
    Map<String, String> workers = new LinkedHashMap<>(); // user id → token
    Map<String, Object> before;
    try {
      // given a scenario
      Http http = new Http(node.httpPort());
      String admin = http.login("admin", TestInfra.ADMIN_PASSWORD);
      for (int i = 1; i <= 4; i++) {
        String login = "rebuild" + i;
        workers.put(
            http.createUser(admin, login, "worker").get("userId").asText(), http.login(login));
      }
      await()
          .atMost(TIMEOUT)
          .until(() -> http.post("/api/tasks", admin, task("first")).status() == 201);
      List<JsonNode> tasks = new ArrayList<>();
      for (int i = 1; i < TASKS; i++) {
        Http.Response r = http.post("/api/tasks", admin, task("t" + i));
        assertEquals(201, r.status(), r.body());
        tasks.add(r.json());
      }
      int completed = 0;
      for (int i = 0; i < tasks.size(); i += 2) {
        JsonNode t = tasks.get(i);
        Http.Response done =
            http.post(
                "/api/tasks/" + t.get("taskId").asText() + "/complete",
                workers.get(t.get("assigneeId").asText()),
                "");
        assertEquals(200, done.status(), done.body());
        completed++;
      }
      await()
          .atMost(TIMEOUT)
          .until(() -> http.get("/api/tasks?assignee=all", admin).json().size() == TASKS);
      Http.Response shuffled = http.post("/api/tasks/shuffle", admin, "");
      assertEquals(200, shuffled.status(), shuffled.body());
      int reassigned = shuffled.json().get("reassigned").asInt();
      // every fee and reward booked before the day closes, so some balance is paid out
      int movements = TASKS + reassigned + completed;
      await().atMost(TIMEOUT).until(() -> transactions(http, admin, workers) == movements);
      Http.Response closed = http.post("/api/accounting/billing-cycles/close", admin, "{}");
      assertEquals(200, closed.status(), closed.body());
      int payouts = closed.json().get("payouts").size();
      await()
          .atMost(TIMEOUT)
          .until(() -> transactions(http, admin, workers) == movements + payouts);
      await().atMost(TIMEOUT).until(() -> rows(setup, "accounting", "mail_outbox") == payouts);
      before = readModels(http, admin, workers, setup);
      System.out.printf(
          "REBUILD: scenario of %d tasks, %d completed, %d reassigned, %d payouts%n",
          TASKS, completed, reassigned, payouts);

      // the command refuses while a node uses the databases
      CommandProcess.Result refused = CommandProcess.run(env, LOG, "rebuild-read-models", "all");
      assertNotEquals(0, refused.exitCode(), refused.output());
      assertTrue(refused.output().contains("stop every node first"), refused.output());
    } finally {
      node.stop();
    }

    // when the read models are rebuilt with the node stopped
    CommandProcess.Result analytics =
        CommandProcess.run(env, LOG, "rebuild-read-models", "analytics");
    assertNotEquals(0, analytics.exitCode(), analytics.output());
    long mailsBefore = rows(setup, "accounting", "mail_outbox");
    CommandProcess.Result run = CommandProcess.run(env, LOG, "rebuild-read-models", "all");
    assertEquals(0, run.exitCode(), run.output());
    System.out.print(run.output());
    for (String service : List.of("identity", "tasks", "accounting")) {
      assertTrue(run.output().contains(setup.databasePrefix() + service), run.output());
    }
    // the tables are empty and the offsets gone; the journals and the mails are kept
    assertEquals(0, rows(setup, "identity", "users"));
    assertEquals(0, rows(setup, "tasks", "tasks"));
    for (String table : List.of("transactions", "balances", "daily_earnings", "billing_runs"))
      assertEquals(0, rows(setup, "accounting", table), table);
    for (String service : List.of("identity", "tasks", "accounting")) {
      assertEquals(0, readModelOffsets(setup, service), service + " read-model offsets");
      assertTrue(rows(setup, service, "event_journal") > 0, service + " journal kept");
    }
    assertEquals(mailsBefore, rows(setup, "accounting", "mail_outbox"), "payout mails kept");

    // then a node started again rebuilds them from the journals: the same as before. It starts
    // with the default pool: before SlickPools started every thread of Slick 3.4.1's pools first,
    // one replaying projection lost a query there (a worker thread died on "count cannot be
    // increased" while the pool's threads were still being created) and never finished (2 of 2
    // runs with 5 threads).
    long startedAt = System.nanoTime();
    AtesNode again = AtesNode.start(infra.nodeConfig(setup, "all"), Main.services());
    try {
      Http http = new Http(again.httpPort());
      String admin =
          await()
              .atMost(TIMEOUT)
              .ignoreExceptions()
              .until(() -> http.login("admin", TestInfra.ADMIN_PASSWORD), t -> t != null);
      await()
          .atMost(TIMEOUT)
          .pollInterval(Duration.ofMillis(500))
          .ignoreExceptions()
          .untilAsserted(
              () -> assertEquals(before, readModels(http, admin, workers, setup), "read models"));
      System.out.printf(
          "REBUILD: read models equal to before %d ms after the node's start%n",
          (System.nanoTime() - startedAt) / 1_000_000);
      assertEquals(mailsBefore, rows(setup, "accounting", "mail_outbox"), "no payout mail added");
    } finally {
      again.stop();
    }
  }

  /** What the read models show: users, tasks, accounts, audit logs, earnings, billing runs. */
  private static Map<String, Object> readModels(
      Http http, String admin, Map<String, String> workers, TestInfra.NodeSetup setup)
      throws SQLException {
    Map<String, Object> seen = new LinkedHashMap<>();
    seen.put("users", ok(http.get("/api/users", admin)));
    Map<String, JsonNode> tasks = new TreeMap<>();
    for (JsonNode t : ok(http.get("/api/tasks?assignee=all", admin)))
      tasks.put(t.get("taskId").asText(), t);
    seen.put("tasks", tasks);
    seen.put("accounts", ok(http.get("/api/accounts", admin)));
    for (String worker : workers.keySet()) {
      seen.put("account " + worker, ok(http.get("/api/accounts/" + worker + "?limit=500", admin)));
      seen.put("my tasks " + worker, ok(http.get("/api/tasks", workers.get(worker))).size());
    }
    LocalDate today = LocalDate.now(ZoneOffset.UTC);
    seen.put(
        "earnings",
        ok(
            http.get(
                "/api/accounting/earnings?from=" + today.minusDays(1) + "&to=" + today, admin)));
    seen.put("billing runs", billingRuns(setup));
    return seen;
  }

  private static JsonNode ok(Http.Response r) {
    assertEquals(200, r.status(), r.body());
    return r.json();
  }

  private static long transactions(Http http, String admin, Map<String, String> workers) {
    long n = 0;
    for (String worker : workers.keySet()) {
      n += ok(http.get("/api/accounts/" + worker + "?limit=500", admin)).get("transactions").size();
    }
    return n;
  }

  private static String task(String title) {
    return "{\"title\":\"Rebuild " + title + "\",\"description\":\"\"}";
  }

  private static List<String> billingRuns(TestInfra.NodeSetup setup) throws SQLException {
    List<String> runs = new ArrayList<>();
    try (Connection c = connect(setup, "accounting");
        Statement st = c.createStatement();
        ResultSet rs =
            st.executeQuery(
                "SELECT billing_date, status, accounts, settled FROM billing_runs ORDER BY 1")) {
      while (rs.next()) {
        runs.add(
            rs.getDate("billing_date")
                + " "
                + rs.getString("status")
                + " "
                + rs.getInt("accounts")
                + " "
                + rs.getInt("settled"));
      }
    }
    return runs;
  }

  private static long rows(TestInfra.NodeSetup setup, String service, String table)
      throws SQLException {
    try (Connection c = connect(setup, service);
        Statement st = c.createStatement();
        ResultSet rs = st.executeQuery("SELECT count(*) FROM " + table)) {
      rs.next();
      return rs.getLong(1);
    }
  }

  private static long readModelOffsets(TestInfra.NodeSetup setup, String service)
      throws SQLException {
    try (Connection c = connect(setup, service);
        Statement st = c.createStatement();
        ResultSet rs =
            st.executeQuery(
                "SELECT count(*) FROM akka_projection_offset_store"
                    + " WHERE projection_name NOT LIKE 'publish-%'")) {
      rs.next();
      return rs.getLong(1);
    }
  }

  private static Connection connect(TestInfra.NodeSetup setup, String service) throws SQLException {
    return DriverManager.getConnection(
        TestInfra.get().postgresServerUrl() + "/" + setup.databasePrefix() + service,
        "postgres",
        "");
  }
}
