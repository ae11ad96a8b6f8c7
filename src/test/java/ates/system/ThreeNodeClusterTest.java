package ates.system;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ates.contract.Topics;
import ates.testing.Http;
import ates.testing.IntegrationTest;
import ates.testing.LocalCluster;
import ates.testing.MoneyInvariants;
import ates.testing.TestInfra;
import ates.testing.Workload;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * Three nodes as child JVMs on one real Postgres and Kafka, started as README's "Run a cluster on
 * one machine" says (environment variables only). Under a steady load of creates and completions
 * sent to every node by careful clients (an Idempotency-Key on every create, retries on refused
 * connections, timeouts and 503 with Retry-After), the cluster scales out from two nodes to three,
 * loses its oldest node to SIGKILL, gets it back, and restarts every node in turn with SIGTERM.
 * Afterwards no request has failed, every acknowledged create exists once, every fee and reward is
 * booked once, balances are the sums of their movements, and analytics agrees with accounting.
 *
 * <p>The phases run in order on one cluster, so each builds on what the one before left.
 */
@IntegrationTest
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ThreeNodeClusterTest {

  private static final int WORKERS = 6;
  private static final int CREATES_PER_SECOND = 12;
  private static final int NUMBER_OF_SHARDS = 100;
  private static final Duration SETTLE = Duration.ofSeconds(120);

  private LocalCluster cluster;
  private Workload workload;
  private String admin;
  private final Map<UUID, String> workerTokens = new HashMap<>();
  private String keyBeforeRestarts;
  private UUID taskBeforeRestarts;

  @BeforeAll
  void start() {
    // A short stable-after keeps the test quick; production keeps Akka's 20 s (README).
    cluster =
        new LocalCluster(
            "three-node", 2, Map.of("ATES_SBR_STABLE_AFTER", "7s"), "all", "all", "all");
    cluster.start(0, 1);
    cluster.awaitMembers(Duration.ofSeconds(60));

    admin = http(0).login("admin", TestInfra.ADMIN_PASSWORD);
    workload = Workload.onCluster(cluster, WORKERS, Duration.ofSeconds(90));
    workerTokens.putAll(workload.workerTokens());
  }

  @AfterAll
  void stop() {
    if (workload != null) workload.close();
    if (cluster != null) cluster.close();
  }

  @Test
  @Order(1)
  void scale_out_from_two_to_three_nodes_under_load_moves_shards_and_projections_to_the_new_one() {
    workload.start(CREATES_PER_SECOND);
    awaitCreates(100);
    cluster.start(2);
    cluster.awaitMembers(Duration.ofSeconds(60));

    // entity shards, publishing projections and read-model projections reach the new node
    await()
        .atMost(SETTLE)
        .pollInterval(Duration.ofSeconds(1))
        .ignoreExceptions()
        .untilAsserted(
            () -> {
              for (int node = 0; node < 3; node++) {
                assertTrue(cluster.shardsOn(node, "Task") > 0, "Task shards on node " + node);
                assertTrue(cluster.shardsOn(node, "Account") > 0, "Account shards on " + node);
                int publishers = 0;
                for (String p : List.of("tasks", "accounts", "users")) {
                  publishers += cluster.shardsOn(node, "sharded-daemon-process-publish-" + p);
                }
                assertTrue(publishers > 0, "publishing projections on node " + node);
              }
            });
    for (int node = 0; node < 3; node++) {
      System.out.printf(
          "node %d hosts %d Task shards, %d Account shards%n",
          node, cluster.shardsOn(node, "Task"), cluster.shardsOn(node, "Account"));
    }

    // every node consumes: the accounting consumer groups have a member on each
    try (Admin kafka =
        Admin.create(
            Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, cluster.infra().kafkaBootstrap()))) {
      String group = cluster.setup().topic("accounting-" + Topics.TASK_ASSIGNED);
      await()
          .atMost(SETTLE)
          .pollInterval(Duration.ofSeconds(1))
          .untilAsserted(
              () ->
                  assertEquals(
                      3,
                      kafka
                          .describeConsumerGroups(List.of(group))
                          .all()
                          .get(10, TimeUnit.SECONDS)
                          .get(group)
                          .members()
                          .size(),
                      "members of " + group));
    }
    assertEquals(List.of(), List.copyOf(workload.failures), "failed requests");
  }

  @Test
  @Order(2)
  void sigkill_of_the_oldest_node_loses_no_acknowledged_request() {
    int victim = 0; // the oldest: it also runs the singletons
    int survivor = 1;
    // a create whose task lives on a shard of the victim, to time the take-over
    Set<Integer> victimShards = shardIds(victim, "Task");
    String probeKey = keyOnShards(workload, victimShards);
    String manager = http(survivor).login("lead");

    long created = workload.created.size();
    cluster.kill(victim);
    long killedAt = System.nanoTime();
    Optional<UUID> probe =
        workload.create(
            probeKey, () -> List.of(cluster.slot(survivor).httpPort()), /* thenComplete= */ false);
    long takeOverMillis = (System.nanoTime() - killedAt) / 1_000_000;
    assertTrue(probe.isPresent(), "the victim's entity is served again: " + workload.failures);
    System.out.printf(
        "SIGKILL of node %d: first successful create on one of its shards after %d ms%n",
        victim, takeOverMillis);
    assertEquals(
        200, http(survivor).get("/api/tasks/" + probe.get(), manager).status(), "probe task");

    cluster.awaitMembers(Duration.ofSeconds(60)); // the survivors downed it
    awaitCreates(created + 100);
    cluster.start(victim);
    cluster.awaitMembers(Duration.ofSeconds(60));
    awaitCreates(created + 200);
    assertEquals(List.of(), List.copyOf(workload.failures), "failed requests");
  }

  @Test
  @Order(3)
  void a_rolling_restart_under_load_fails_no_request() {
    keyBeforeRestarts = "before-restarts";
    taskBeforeRestarts =
        workload
            .create(keyBeforeRestarts, () -> List.of(cluster.slot(0).httpPort()), false)
            .orElseThrow();
    for (int node = 0; node < 3; node++) {
      long created = workload.created.size();
      cluster.stop(node); // SIGTERM: leaves the cluster, hands its shards over
      cluster.start(node);
      cluster.awaitMembers(Duration.ofSeconds(60));
      awaitCreates(created + 50);
    }
    assertEquals(List.of(), List.copyOf(workload.failures), "failed requests");
  }

  @Test
  @Order(4)
  void the_same_key_to_two_nodes_and_after_the_restarts_gives_one_task() {
    String key = "twice-" + UUID.randomUUID();
    UUID first =
        workload.create(key, () -> List.of(cluster.slot(1).httpPort()), false).orElseThrow();
    UUID second =
        workload.create(key, () -> List.of(cluster.slot(2).httpPort()), false).orElseThrow();
    assertEquals(first, second, "one task for one key on two nodes");
    UUID again =
        workload
            .create(keyBeforeRestarts, () -> List.of(cluster.slot(2).httpPort()), false)
            .orElseThrow();
    assertEquals(taskBeforeRestarts, again, "one task for one key across every node's restart");
    assertEquals(List.of(), List.copyOf(workload.failures), "failed requests");
  }

  @Test
  @Order(5)
  void afterwards_every_task_and_every_movement_exists_exactly_once() {
    workload.stop();
    assertEquals(List.of(), List.copyOf(workload.failures), "failed requests");
    System.out.printf(
        "load: %d creates and %d completions acknowledged, %d retried attempts%n",
        workload.created.size(), workload.completed.size(), workload.retries.get());

    Http http = http(1);
    String token = http.login("admin", TestInfra.ADMIN_PASSWORD);
    MoneyInvariants.Outcome outcome =
        MoneyInvariants.awaitAll(
            http, token, cluster.infra(), cluster.setup(), workload, workerTokens.keySet(), SETTLE);
    assertTrue(outcome.allHold(), outcome.invariants() + " " + outcome.problems());
    // no task the clients were not told about
    Set<UUID> acknowledged = new HashSet<>(workload.created.values());
    await()
        .atMost(SETTLE)
        .pollInterval(Duration.ofMillis(500))
        .untilAsserted(
            () -> {
              Set<UUID> now = new HashSet<>();
              http.get("/api/tasks?assignee=all", token)
                  .json()
                  .forEach(t -> now.add(UUID.fromString(t.get("taskId").asText())));
              assertEquals(acknowledged, now, "the tasks are exactly the acknowledged ones");
            });
  }

  private Http http(int node) {
    return new Http(cluster.slot(node).httpPort());
  }

  private void awaitCreates(long count) {
    await()
        .atMost(SETTLE)
        .pollInterval(Duration.ofMillis(200))
        .until(() -> workload.created.size() >= count || !workload.failures.isEmpty());
    assertEquals(List.of(), List.copyOf(workload.failures), "failed requests");
  }

  private Set<Integer> shardIds(int node, String typeName) {
    Set<Integer> ids = new HashSet<>();
    new Http(cluster.slot(node).managementPort())
        .get("/cluster/shards/" + typeName, null)
        .json()
        .get("regions")
        .forEach(r -> ids.add(Integer.parseInt(r.get("shardId").asText())));
    assertTrue(!ids.isEmpty(), "node " + node + " hosts no " + typeName + " shard");
    return ids;
  }

  /**
   * A fresh Idempotency-Key whose task id (derived from the creator and the key, as TaskRoutes
   * does) falls on one of the given shards (Akka's default: |hashCode of the id mod shards|).
   */
  private static String keyOnShards(Workload workload, Set<Integer> shards) {
    List<String> tried = new ArrayList<>();
    for (int i = 0; i < 10_000; i++) {
      String key = "probe-" + i;
      tried.add(key);
      UUID taskId =
          UUID.nameUUIDFromBytes(
              ("ates-task:" + workload.creatorId() + ":" + key).getBytes(StandardCharsets.UTF_8));
      if (shards.contains(Math.abs(taskId.toString().hashCode() % NUMBER_OF_SHARDS))) return key;
    }
    throw new AssertionError("no key on shards " + shards + " among " + tried.size());
  }
}
