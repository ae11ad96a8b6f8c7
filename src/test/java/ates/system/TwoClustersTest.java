package ates.system;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ates.contract.EventJson;
import ates.contract.Topics;
import ates.testing.ConsumerLag;
import ates.testing.Http;
import ates.testing.IntegrationTest;
import ates.testing.NodeProcess;
import ates.testing.TestInfra;
import ates.testing.TopicReader;
import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * Two clusters on the same databases and topics (issue 17), as node processes: cluster A (every
 * service) and, on the same databases, a second node whose contact points do not reach A.
 *
 * <ul>
 *   <li>With the start-up guard on, the second node refuses to start, saying how to join A.
 *   <li>With the guard off (ATES_CLUSTER_GUARD=off), cluster B (tasks, accounting) starts and both
 *       take writes; every task runs in one place only: its shard's lease owner answers, the other
 *       cluster answers 503; after SIGKILL of A, B takes A's leases over within the lease duration,
 *       and the ledgers are exact: one transaction per movement, balances = sum of movements.
 * </ul>
 */
@IntegrationTest
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class TwoClustersTest {

  private static final Duration LEASE = Duration.parse("PT" + TestInfra.LEASE_DURATION);
  private static final Duration TIMEOUT = Duration.ofSeconds(90);
  private static final int WORKERS = 6;
  private static final int TASKS = 30;

  private TestInfra infra;
  private TestInfra.NodeSetup setup;
  private NodeProcess a;
  private NodeProcess b;
  private String ownerA;
  private String ownerB;

  @BeforeAll
  void startClusterA() throws Exception {
    infra = TestInfra.get();
    setup = infra.newNode();
    int http = TestInfra.freePort();
    int management = TestInfra.freePort();
    Map<String, String> env = new HashMap<>(infra.nodeEnvironment(setup, "all", http, management));
    env.put("ATES_ASK_TIMEOUT", "2s");
    ownerA = "ates@127.0.0.1:" + env.get("ATES_REMOTE_PORT");
    Path log = Path.of("target", "two-clusters-a.log");
    Files.deleteIfExists(log);
    a = NodeProcess.start(env, http, management, log);
  }

  @AfterAll
  void stop() {
    if (b != null) b.stop();
    if (a != null) a.kill();
  }

  private Map<String, String> secondNode(String services, int http, int management) {
    Map<String, String> env =
        new HashMap<>(infra.nodeEnvironment(setup, services, http, management));
    env.put("ATES_ASK_TIMEOUT", "2s");
    return env;
  }

  @Test
  @Order(1)
  void the_guard_refuses_a_second_cluster_on_the_same_databases() throws Exception {
    Path log = Path.of("target", "two-clusters-refused.log");
    Files.deleteIfExists(log);
    Map<String, String> env = secondNode("tasks", TestInfra.freePort(), TestInfra.freePort());
    int exit = NodeProcess.runUntilExit(env, log, TIMEOUT);
    String output = Files.readString(log);
    assertEquals(1, exit, "the second cluster's node exits with 1; log: " + log);
    assertTrue(output.contains("Refusing to start: the tasks database"), output);
    assertTrue(output.contains(ownerA.substring("ates@".length())), "names A's node: " + output);
    assertTrue(output.contains("ATES_CONTACT_POINTS"), "says how to join: " + output);
    // A is untouched
    assertEquals(200, new Http(a.managementPort).get("/ready", null).status());
  }

  @Test
  @Order(2)
  void two_clusters_run_each_entity_in_one_place_and_b_takes_over_when_a_is_killed()
      throws Exception {
    int httpB = TestInfra.freePort();
    int managementB = TestInfra.freePort();
    Map<String, String> envB = secondNode("tasks,accounting", httpB, managementB);
    envB.put("ATES_CLUSTER_GUARD", "off");
    ownerB = "ates@127.0.0.1:" + envB.get("ATES_REMOTE_PORT");
    Path logB = Path.of("target", "two-clusters-b.log");
    Files.deleteIfExists(logB);
    // The workers exist before B starts: B's worker directory loads them from the tasks database
    // it shares with A. Afterwards the two clusters split the Users topic's partitions between
    // their consumers, so each would learn only some later users (the guard prevents this setup).
    Http httpA = new Http(a.httpPort);
    String admin = httpA.login("admin", TestInfra.ADMIN_PASSWORD);
    Map<String, String> tokenOf = new HashMap<>();
    for (int i = 0; i < WORKERS; i++) {
      String login = "leased" + i;
      tokenOf.put(
          httpA.createUser(admin, login, "worker").get("userId").asText(), httpA.login(login));
    }
    ConsumerLag.awaitConsumed(
        infra.kafkaBootstrap(),
        setup.topic("tasks-users"),
        setup.topic(Topics.USERS),
        tokenOf.keySet(),
        TIMEOUT);

    b = NodeProcess.start(envB, httpB, managementB, logB);
    Http httpOfB = new Http(httpB);

    // both clusters take writes: each task is asked of one node first, then of the other
    Map<String, Http> nodes = new LinkedHashMap<>();
    nodes.put(ownerA, httpA);
    nodes.put(ownerB, httpOfB);
    Map<String, String> ownerOfTask = new LinkedHashMap<>();
    Map<String, JsonNode> tasks = new HashMap<>();
    int refused = 0;
    for (int i = 0; i < TASKS; i++) {
      List<String> order = new ArrayList<>(nodes.keySet());
      if (i % 2 == 1) java.util.Collections.reverse(order);
      String key = "lease-" + i + "-" + UUID.randomUUID();
      String body = "{\"title\":\"Leased " + i + "\",\"description\":\"\"}";
      JsonNode created = null;
      for (int attempt = 0; attempt < 4 && created == null; attempt++) {
        String owner = order.get(attempt % 2);
        Http.Response r =
            nodes.get(owner).post("/api/tasks", admin, body, Map.of("Idempotency-Key", key));
        if (r.status() == 201) {
          created = r.json();
          ownerOfTask.put(created.get("taskId").asText(), owner);
        } else {
          assertEquals(503, r.status(), "the other cluster answers 503: " + r.body());
          refused++;
        }
      }
      assertTrue(created != null, "task " + i + " created by one of the clusters");
      tasks.put(created.get("taskId").asText(), created);
    }
    long byA = ownerOfTask.values().stream().filter(ownerA::equals).count();
    long byB = ownerOfTask.values().stream().filter(ownerB::equals).count();
    System.out.printf(
        "tasks created by cluster A: %d, by cluster B: %d, 503 answers: %d%n", byA, byB, refused);
    assertTrue(byA > 0 && byB > 0, "both clusters took writes: A " + byA + ", B " + byB);

    // each task runs in one place: its shard lease's owner answers, the other cluster 503
    String tasksDb = infra.postgresServerUrl() + "/" + setup.databasePrefix() + "tasks";
    for (Map.Entry<String, String> t : ownerOfTask.entrySet()) {
      String owner = t.getValue();
      String other = owner.equals(ownerA) ? ownerB : ownerA;
      assertEquals(owner, leaseOwner(tasksDb, "Task", t.getKey()), "lease of task " + t.getKey());
      assertEquals(200, nodes.get(owner).get("/api/tasks/" + t.getKey(), admin).status());
      assertEquals(503, nodes.get(other).get("/api/tasks/" + t.getKey(), admin).status());
    }

    // complete half of the tasks through the cluster that owns each
    Set<String> completed = new HashSet<>();
    int n = 0;
    for (Map.Entry<String, JsonNode> t : tasks.entrySet()) {
      if (n++ % 2 != 0) continue;
      String assignee = t.getValue().get("assigneeId").asText();
      Http.Response done =
          nodes
              .get(ownerOfTask.get(t.getKey()))
              .post("/api/tasks/" + t.getKey() + "/complete", tokenOf.get(assignee), "");
      assertEquals(200, done.status(), done.body());
      completed.add(t.getKey());
    }

    // SIGKILL the first cluster: B takes its leases over within the lease duration
    a.kill();
    long killed = System.nanoTime();
    a = null;
    List<String> ofA =
        ownerOfTask.entrySet().stream()
            .filter(e -> e.getValue().equals(ownerA))
            .map(Map.Entry::getKey)
            .toList();
    // B's shards of those tasks exist (they answered 503 above) and retry every second
    await()
        .atMost(LEASE.plusSeconds(20))
        .pollInterval(Duration.ofMillis(100))
        .until(() -> allMatch(ofA, id -> ownerB.equals(leaseOwner(tasksDb, "Task", id))));
    long handoverMs = (System.nanoTime() - killed) / 1_000_000;
    System.out.printf(
        "B holds every lease of A's tasks %d ms after SIGKILL (lease duration %s)%n",
        handoverMs, TestInfra.LEASE_DURATION);
    // A's leases expire at most LEASE after its last renewal (sent at most one heartbeat, 1 s,
    // before the kill); B retries every 1 s; 2 s of slack for a loaded machine (7.3 s measured)
    assertTrue(
        handoverMs <= LEASE.plusSeconds(4).toMillis(),
        "handed over within the lease duration (+ a heartbeat and a retry): " + handoverMs + " ms");
    await()
        .atMost(TIMEOUT)
        .pollInterval(Duration.ofMillis(200))
        .until(() -> allMatch(ofA, id -> httpOfB.get("/api/tasks/" + id, admin).status() == 200));

    // the ledgers are exact: one transaction per movement, balances = sum of movements
    Map<String, Long> expected = new HashMap<>();
    Set<String> movements = new HashSet<>();
    for (JsonNode t : tasks.values()) {
      String id = t.get("taskId").asText();
      String assignee = t.get("assigneeId").asText();
      expected.merge(assignee, -t.get("assignFee").asLong(), Long::sum);
      movements.add("fee:" + id + ":1");
      if (completed.contains(id)) {
        expected.merge(assignee, t.get("completionReward").asLong(), Long::sum);
        movements.add("reward:" + id);
      }
    }
    String accountingDb = infra.postgresServerUrl() + "/" + setup.databasePrefix() + "accounting";
    await()
        .atMost(TIMEOUT)
        .pollInterval(Duration.ofMillis(500))
        .untilAsserted(() -> assertEquals(movements, transactionIds(accountingDb)));
    assertEquals(
        movements.size(),
        count(
            accountingDb,
            "SELECT count(*) FROM event_journal WHERE persistence_id LIKE 'Account|%'"
                + " AND event_ser_manifest LIKE '%Moved'"),
        "one journal event per movement: no movement booked twice by two clusters");
    for (Map.Entry<String, Long> e : expected.entrySet()) {
      long sum =
          count(
              accountingDb,
              "SELECT coalesce(sum(CASE WHEN direction = 'credit' THEN amount ELSE -amount END), 0)"
                  + " FROM transactions WHERE account_id = '"
                  + e.getKey()
                  + "'");
      assertEquals(e.getValue(), sum, "movements of " + e.getKey());
      await()
          .atMost(TIMEOUT)
          .untilAsserted(
              () ->
                  assertEquals(
                      e.getValue(),
                      httpOfB
                          .get("/api/accounts/" + e.getKey(), admin)
                          .json()
                          .get("balance")
                          .asLong(),
                      "balance of " + e.getKey()));
    }
    Set<String> published = new HashSet<>();
    TopicReader.readUntil(
        infra.kafkaBootstrap(),
        setup.topic(Topics.TRANSACTION_CREATED),
        TIMEOUT,
        rs -> {
          published.clear();
          rs.forEach(
              r -> published.add(EventJson.decode(r.value()).data().get("transactionId").asText()));
          return published.containsAll(movements);
        });
    assertEquals(movements, published, "TransactionCreated: exactly the movements");
  }

  private interface Check {
    boolean test(String id) throws Exception;
  }

  private static boolean allMatch(List<String> ids, Check check) throws Exception {
    for (String id : ids) if (!check.test(id)) return false;
    return true;
  }

  /** The owner of the lease of the shard of an entity (Akka's default shard of an id). */
  private static String leaseOwner(String jdbcUrl, String typeName, String entityId)
      throws Exception {
    int shard = Math.abs(entityId.hashCode() % 100);
    try (Connection c = DriverManager.getConnection(jdbcUrl, "postgres", "");
        PreparedStatement ps =
            c.prepareStatement(
                "SELECT owner FROM akka_lease WHERE name = ? AND expires_at > now()")) {
      ps.setString(1, "ates-shard-" + typeName + "-" + shard);
      try (ResultSet rs = ps.executeQuery()) {
        return rs.next() ? rs.getString("owner") : null;
      }
    }
  }

  private static Set<String> transactionIds(String jdbcUrl) throws Exception {
    Set<String> ids = new HashSet<>();
    try (Connection c = DriverManager.getConnection(jdbcUrl, "postgres", "");
        PreparedStatement ps = c.prepareStatement("SELECT transaction_id FROM transactions");
        ResultSet rs = ps.executeQuery()) {
      while (rs.next()) ids.add(rs.getString("transaction_id"));
    }
    return ids;
  }

  private static long count(String jdbcUrl, String sql) throws Exception {
    try (Connection c = DriverManager.getConnection(jdbcUrl, "postgres", "");
        PreparedStatement ps = c.prepareStatement(sql);
        ResultSet rs = ps.executeQuery()) {
      rs.next();
      return rs.getLong(1);
    }
  }
}
