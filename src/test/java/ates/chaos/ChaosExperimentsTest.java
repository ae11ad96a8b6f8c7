package ates.chaos;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ates.contract.EventJson;
import ates.contract.Topics;
import ates.testing.BrokenLedger;
import ates.testing.ChaosInfra;
import ates.testing.ChaosTest;
import ates.testing.CommandProcess;
import ates.testing.Http;
import ates.testing.LocalCluster;
import ates.testing.MoneyInvariants;
import ates.testing.NodeProcess;
import ates.testing.TestInfra;
import ates.testing.TopicReader;
import ates.testing.Workload;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * The chaos experiments (operations.md, Chaos): one three-node cluster on a Postgres (with a
 * synchronous standby) and a three-broker Kafka of the suite's own, under a workload of creates,
 * completions, a shuffle and a billing close from careful clients. Each experiment injects one
 * fault, holds it, heals it, lets the system recover (a node process that exited is started again,
 * as its supervisor would), then checks the money invariants from the outside. Every experiment is
 * a row of {@code target/chaos/report.json}.
 *
 * <p>One experiment alone: {@code mvn verify -Pchaos -Dtest='ChaosExperimentsTest#sigkill*'}.
 */
@ChaosTest
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ChaosExperimentsTest {

  private static final int WORKERS = 5;
  private static final int CREATES_PER_SECOND = 8;
  private static final Duration RECOVERY = Duration.ofSeconds(240);
  private static final int KAFKA_BROKER_LOST = 2;
  private static final Duration TOPIC_READ = Duration.ofSeconds(20);

  private ChaosInfra servers;
  private LocalCluster cluster;
  private Workload workload;
  private String admin;
  private final Map<UUID, String> workerTokens = new HashMap<>();
  private final List<Map<String, Object>> report = new ArrayList<>();

  @BeforeAll
  void start() {
    servers = new ChaosInfra();
    // a short stable-after keeps each experiment quick; production keeps Akka's 20 s (README)
    cluster =
        new LocalCluster(
            servers, true, "chaos", 3, Map.of("ATES_SBR_STABLE_AFTER", "7s"), "all", "all", "all");
    cluster.start(0, 1, 2);
    cluster.awaitMembers(Duration.ofSeconds(90));
    admin = new Http(cluster.slot(0).httpPort()).login("admin", TestInfra.ADMIN_PASSWORD);
    workload = Workload.onCluster(cluster, WORKERS, Duration.ofSeconds(60));
    workerTokens.putAll(workload.workerTokens());
  }

  @AfterAll
  void stop() throws IOException {
    writeReport();
    if (workload != null) workload.close();
    if (cluster != null) cluster.close();
    if (servers != null) servers.close();
  }

  @Test
  @Order(1)
  void sigkill_of_a_node() {
    experiment("sigkill-node", Duration.ZERO, () -> cluster.kill(1), () -> {});
  }

  @Test
  @Order(2)
  void sigstop_of_a_node_for_30_s() {
    NodeProcess paused = cluster.node(2);
    experiment("sigstop-node-30s", Duration.ofSeconds(30), paused::pause, paused::resume);
  }

  @Test
  @Order(3)
  void postgres_stopped_for_20_s() {
    experiment(
        "postgres-stopped-20s",
        Duration.ofSeconds(20),
        servers::stopPostgres,
        servers::startPostgres);
  }

  /**
   * One broker of three lost under load (writes go on: two replicas in sync), then, while it is
   * still down, the other two: the whole Kafka down for 20 s; all three come back on their data.
   */
  @Test
  @Order(4)
  void kafka_broker_stopped_then_the_whole_kafka_for_20_s() {
    experiment(
        "kafka-broker-then-all-stopped-20s",
        Duration.ofSeconds(20),
        () -> {
          servers.kafka().stop(KAFKA_BROKER_LOST);
          holdFault(Duration.ofSeconds(20));
          servers.stopKafka();
        },
        servers::startKafka);
  }

  @Test
  @Order(5)
  void kafka_stopped_for_20_s() {
    experiment(
        "kafka-stopped-20s", Duration.ofSeconds(20), servers::stopKafka, servers::startKafka);
  }

  @Test
  @Order(6)
  void postgres_wire_200_ms_latency() {
    experiment(
        "postgres-wire-latency-200ms",
        Duration.ofSeconds(20),
        () -> servers.postgresProxy().latency(200),
        servers.postgresProxy()::pass);
  }

  @Test
  @Order(7)
  void postgres_wire_connection_resets() {
    experiment(
        "postgres-wire-resets",
        Duration.ofSeconds(5),
        servers.postgresProxy()::reset,
        servers.postgresProxy()::pass);
  }

  @Test
  @Order(8)
  void postgres_wire_blackhole_for_20_s() {
    experiment(
        "postgres-wire-blackhole-20s",
        Duration.ofSeconds(20),
        servers.postgresProxy()::blackhole,
        servers.postgresProxy()::pass);
  }

  @Test
  @Order(9)
  void one_node_cut_off_the_cluster_network() {
    experiment(
        "cluster-partition-one-node",
        Duration.ofSeconds(30),
        cluster.remoteProxy(2)::blackhole,
        cluster.remoteProxy(2)::pass);
  }

  /**
   * A topic's data lost: {@code TaskCompleted} (read by accounting, committing to Kafka, and by
   * analytics, keeping its offsets in its database) deleted under load. The operator's recovery:
   * stop every node, {@code republish}, start the nodes; they recreate the topic and publish every
   * journal again with the original eventIds, and the consumers apply each event once.
   */
  @Test
  @Order(10)
  void a_topic_deleted_then_rebuilt_from_the_journal() {
    String topic = cluster.setup().topic(Topics.TASK_COMPLETED);
    experiment(
        "topic-deleted-republished",
        Duration.ofSeconds(10),
        () -> deleteTopic(topic),
        this::republishWithNodesStopped,
        Map.of("analytics_counts_each_completion_once", this::analyticsCountsEachCompletionOnce));
  }

  /**
   * Analytics' completed tasks (yesterday and today) are the tasks completed on {@code
   * TaskCompleted}, each once: analytics re-read the recreated topic from its start although its
   * stored offsets lay beyond, and counted no republished completion twice.
   */
  private boolean analyticsCountsEachCompletionOnce(Http http, String token) {
    String topic = cluster.setup().topic(Topics.TASK_COMPLETED);
    try {
      await()
          .atMost(Duration.ofSeconds(60))
          .pollInterval(Duration.ofSeconds(1))
          .ignoreExceptions()
          .untilAsserted(
              () -> {
                Set<String> completed = new HashSet<>();
                for (var r : TopicReader.readToEnd(servers.kafkaBootstrap(), topic, TOPIC_READ))
                  completed.add(EventJson.decode(r.value()).data().get("taskId").asText());
                LocalDate today = LocalDate.now(ZoneOffset.UTC);
                long counted = 0;
                for (LocalDate d : List.of(today.minusDays(1), today))
                  counted +=
                      http.get("/api/analytics/dashboard?date=" + d, token)
                          .json()
                          .get("completedTasks")
                          .asLong();
                assertEquals(completed.size(), counted, "analytics' completed tasks");
              });
      return true;
    } catch (org.awaitility.core.ConditionTimeoutException e) {
      System.out.println("analytics' completed tasks: " + e.getMessage());
      return false;
    }
  }

  /**
   * The Postgres primary dies (SIGKILL of its postmaster) and the synchronous standby is promoted.
   * RPO 0: every acknowledged create must be there. The last Postgres fault of the suite: from here
   * on the promoted standby is the primary, and the fault proxy leads to the dead server.
   */
  @Test
  @Order(11)
  void postgres_primary_killed_standby_promoted() {
    experiment(
        "postgres-primary-killed-standby-promoted",
        Duration.ofSeconds(5),
        servers::killPrimary,
        servers::promoteStandby);
  }

  /**
   * The control: a broken ledger handler publishes one fee's {@code TransactionCreated} again under
   * a new eventId (a fee booked twice). The reconciliation must report it and the experiment's
   * invariants must fail — so a passing experiment above means something.
   */
  @Test
  @Order(20)
  void a_fee_booked_twice_fails_the_experiment() throws Exception {
    Http http = new Http(cluster.up().get(0).httpPort());
    String token = http.login("admin", TestInfra.ADMIN_PASSWORD);
    BrokenLedger.bookAFeeTwice(
        servers.kafkaBootstrap(),
        cluster.setup().topic(Topics.TRANSACTION_CREATED),
        Duration.ofSeconds(30));
    MoneyInvariants.Outcome outcome =
        MoneyInvariants.checkAll(
            http, token, servers, cluster.setup(), workload, workerTokens.keySet());
    // the reconciliation sees the second booking once analytics has ingested it
    await()
        .atMost(Duration.ofSeconds(60))
        .pollInterval(Duration.ofSeconds(1))
        .until(() -> !reconciliationOk(http, token));
    boolean passed = outcome.allHold() && reconciliationOk(http, token);
    Map<String, Object> row = new LinkedHashMap<>();
    row.put("experiment", "control-fee-booked-twice");
    row.put("passed", passed);
    row.put("detect_s", null);
    row.put("recover_s", null);
    row.put("failed_requests", 0);
    Map<String, Boolean> invariants = new LinkedHashMap<>(outcome.invariants());
    invariants.put("reconciliation_ok", false);
    row.put("invariants", invariants);
    row.put("expected", "fails: the control proves the checks catch a fee booked twice");
    report.add(row);
    assertFalse(passed, "a fee booked twice must fail the experiment: " + row);
  }

  /** Which node answers analytics' dashboard: its status on each running node. */
  private String dashboardOnEachNode() {
    StringBuilder answers = new StringBuilder("analytics dashboard by node:");
    for (LocalCluster.Slot slot : cluster.up()) {
      Http http = new Http(slot.httpPort());
      int status;
      try {
        status =
            http.get("/api/analytics/dashboard", http.login("admin", TestInfra.ADMIN_PASSWORD))
                .status();
      } catch (RuntimeException e) {
        status = -1;
      }
      answers.append(' ').append(slot.index()).append('=').append(status);
    }
    return answers.toString();
  }

  /** Deletes the topic and waits until the brokers no longer list it. */
  private void deleteTopic(String topic) {
    try (Admin admin = servers.kafka().admin()) {
      admin.deleteTopics(List.of(topic)).all().get(30, TimeUnit.SECONDS);
      await()
          .atMost(Duration.ofSeconds(30))
          .pollInterval(Duration.ofMillis(200))
          .until(() -> !admin.listTopics().names().get(10, TimeUnit.SECONDS).contains(topic));
    } catch (Exception e) {
      throw new IllegalStateException("cannot delete " + topic, e);
    }
  }

  /**
   * The operator's recovery from a lost topic (docs/disaster-recovery.md): every node stopped,
   * {@code republish} (which refuses while a node still holds a lease), every node started again.
   */
  private void republishWithNodesStopped() {
    List<Thread> stops = new ArrayList<>();
    for (LocalCluster.Slot slot : cluster.up()) {
      Thread t = new Thread(() -> cluster.stop(slot.index()), "stop-node-" + slot.index());
      t.start();
      stops.add(t);
    }
    for (Thread t : stops) {
      try {
        t.join(Duration.ofSeconds(90).toMillis());
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException(e);
      }
    }
    LocalCluster.Slot first = cluster.slot(0);
    Map<String, String> env =
        servers.nodeEnvironment(cluster.setup(), "all", first.httpPort(), first.managementPort());
    Path log = Path.of("target", "chaos-commands.log");
    // a crashed node's leases would expire after ATES_LEASE_DURATION; stopped ones release them
    CommandProcess.Result republished =
        await()
            .atMost(Duration.ofSeconds(60))
            .pollInterval(Duration.ofSeconds(1))
            .until(() -> CommandProcess.run(env, log, "republish"), r -> r.exitCode() == 0);
    System.out.print(republished.output());
    cluster.start(cluster.slots().stream().mapToInt(LocalCluster.Slot::index).toArray());
  }

  private boolean awaitReconciled(Http http, String token) {
    try {
      await()
          .atMost(Duration.ofSeconds(90))
          .pollInterval(Duration.ofSeconds(1))
          .ignoreExceptions()
          .until(() -> reconciliationOk(http, token));
      return true;
    } catch (org.awaitility.core.ConditionTimeoutException e) {
      return false;
    }
  }

  /** {@code GET /api/admin/reconciliation} for today: its {@code ok}. */
  private static boolean reconciliationOk(Http http, String token) {
    Http.Response r = http.get("/api/admin/reconciliation", token);
    return r.status() == 200 && r.json().get("ok").asBoolean();
  }

  /**
   * Runs one experiment: load, fault, hold, heal, recovery, then the invariants from a quiet
   * system. Records its row of the report, then fails if an invariant broke.
   */
  private void experiment(String name, Duration hold, Runnable inject, Runnable heal) {
    experiment(name, hold, inject, heal, Map.of());
  }

  /** An invariant of one experiment only, checked after the common ones. */
  @FunctionalInterface
  private interface Check {
    boolean holds(Http http, String adminToken);
  }

  private void experiment(
      String name, Duration hold, Runnable inject, Runnable heal, Map<String, Check> checks) {
    int failuresBefore = workload.failures.size();
    int badBefore = workload.badServerErrors.size();
    long createdBefore = workload.created.size();
    long startedAt = System.nanoTime();
    // the tasks left open by earlier experiments get done: each shuffle moves only this one's
    int closedBefore = workload.completeOpenTasks();
    phase(name, closedBefore + " open tasks of earlier experiments completed", startedAt);
    workload.start(CREATES_PER_SECOND);
    awaitCreates(createdBefore + 20);

    long injectedAt = System.nanoTime();
    phase(name, "loaded, injecting", startedAt);
    inject.run();
    holdFault(hold);
    heal.run();
    long healedAt = System.nanoTime();
    phase(name, "healed", startedAt);

    boolean recovered = recover();
    long recoveredAt = System.nanoTime();
    phase(name, "recovered " + recovered, startedAt);
    // the business day goes on: a shuffle and a billing close through the healed system
    workload.shuffle();
    phase(name, "shuffled", startedAt);
    workload.closeDay(admin);
    phase(name, "day closed", startedAt);
    awaitCreates(workload.created.size() + 20);
    workload.stop();
    int stillUnanswered = workload.resendUnanswered();
    phase(name, "clients stopped", startedAt);

    Http http = new Http(cluster.up().get(0).httpPort());
    String token = http.login("admin", TestInfra.ADMIN_PASSWORD);
    MoneyInvariants.Outcome outcome =
        MoneyInvariants.awaitAll(
            http,
            token,
            servers,
            cluster.setup(),
            workload,
            workerTokens.keySet(),
            Duration.ofSeconds(120));

    phase(name, "invariants awaited", startedAt);
    boolean reconciled = awaitReconciled(http, token);
    phase(name, "reconciled " + reconciled, startedAt);

    List<String> failed = workload.failures.stream().skip(failuresBefore).toList();
    List<String> bad = workload.badServerErrors.stream().skip(badBefore).toList();
    Map<String, Boolean> invariants = new LinkedHashMap<>(outcome.invariants());
    invariants.put("reconciliation_ok", reconciled);
    checks.forEach((check, condition) -> invariants.put(check, condition.holds(http, token)));
    invariants.put("only_503_with_retry_after", bad.isEmpty());
    invariants.put("recovered_by_itself", recovered && stillUnanswered == 0);
    boolean passed = invariants.values().stream().allMatch(Boolean::booleanValue);

    Optional<Long> detected = workload.firstRetryAfter(injectedAt);
    Map<String, Object> row = new LinkedHashMap<>();
    row.put("experiment", name);
    row.put("passed", passed);
    row.put("detect_s", detected.map(t -> seconds(t - injectedAt)).orElse(null));
    row.put("recover_s", seconds(recoveredAt - healedAt));
    row.put("failed_requests", failed.size());
    row.put("invariants", invariants);
    if (!outcome.problems().isEmpty() || !bad.isEmpty() || !failed.isEmpty()) {
      List<String> problems = new ArrayList<>(outcome.problems());
      if (!outcome.invariants().getOrDefault("analytics_equals_accounting", true))
        problems.add(dashboardOnEachNode());
      problems.addAll(bad.stream().limit(5).toList());
      problems.addAll(failed.stream().limit(5).toList());
      row.put("problems", problems);
    }
    report.add(row);
    System.out.printf("chaos %s: %s%n", name, row);
    assertTrue(passed, name + ": " + row);
  }

  /**
   * Brings the cluster back as its supervisor would: a node process that exited (killed, or downed
   * by the Split Brain Resolver and shut down) is started again at once; a new incarnation on the
   * old address has the cluster remove the old one. True once the three nodes agree that all three
   * are Up and each answers a create.
   */
  private boolean recover() {
    try {
      await()
          .atMost(RECOVERY)
          .pollInterval(Duration.ofSeconds(1))
          .ignoreExceptions()
          .until(
              () -> {
                cluster.relaunchExited();
                return settled();
              });
      cluster.awaitMembers(RECOVERY);
      for (LocalCluster.Slot slot : cluster.slots()) {
        await()
            .atMost(RECOVERY)
            .pollInterval(Duration.ofMillis(500))
            .until(
                () ->
                    workload
                        .create("probe-" + UUID.randomUUID(), () -> List.of(slot.httpPort()), false)
                        .isPresent());
      }
      return true;
    } catch (RuntimeException | AssertionError e) {
      System.out.println("recovery failed: " + e);
      return false;
    }
  }

  /**
   * Every node process is alive and the nodes agree: each sees all of them as Up members, itself
   * included, and none unreachable. A node downed by the others answers for a few seconds more
   * while it shuts down, and a node just woken from SIGSTOP answers with its view from before the
   * pause (every member Up): neither agrees with the others.
   */
  private boolean settled() {
    List<JsonNode> views = new ArrayList<>();
    for (LocalCluster.Slot slot : cluster.slots()) {
      if (!cluster.node(slot.index()).isAlive()) return false;
      views.add(new Http(slot.managementPort()).get("/cluster/members", null).json());
    }
    Set<String> live = new HashSet<>();
    for (JsonNode view : views) live.add(view.get("selfNode").asText());
    for (JsonNode view : views) {
      if (view.get("unreachable").size() > 0 || !upMembers(view).equals(live)) return false;
    }
    return live.size() == views.size();
  }

  /** The addresses of the Up members in a node's view of the cluster. */
  private static Set<String> upMembers(JsonNode view) {
    Set<String> up = new HashSet<>();
    for (JsonNode member : view.get("members"))
      if ("Up".equals(member.get("status").asText())) up.add(member.get("node").asText());
    return up;
  }

  private void awaitCreates(long count) {
    await()
        .atMost(RECOVERY)
        .pollInterval(Duration.ofMillis(200))
        .until(() -> workload.created.size() >= count);
  }

  /** Keeps the fault in place for its duration: the fault is time itself, not a condition. */
  private static void holdFault(Duration hold) {
    if (hold.isZero()) return;
    await().pollDelay(hold).atMost(hold.plusSeconds(5)).until(() -> true);
  }

  /** A line of the experiment's progress, for whoever wants to know where its time goes. */
  private static void phase(String experiment, String what, long startedAt) {
    System.out.printf(
        "chaos %s: %s at +%.1f s%n", experiment, what, (System.nanoTime() - startedAt) / 1e9);
  }

  private static double seconds(long nanos) {
    return Math.round(nanos / 1e8) / 10.0;
  }

  private void writeReport() throws IOException {
    Path dir = Path.of("target", "chaos");
    Files.createDirectories(dir);
    try {
      new ObjectMapper()
          .enable(SerializationFeature.INDENT_OUTPUT)
          .writeValue(dir.resolve("report.json").toFile(), report);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    System.out.println();
    System.out.printf(
        "%-30s %-7s %8s %9s %7s  %s%n",
        "experiment", "passed", "detect_s", "recover_s", "failed", "invariants");
    for (Map<String, Object> row : report) {
      System.out.printf(
          "%-30s %-7s %8s %9s %7s  %s%n",
          row.get("experiment"),
          row.get("passed"),
          row.get("detect_s"),
          row.get("recover_s"),
          row.get("failed_requests"),
          row.get("invariants"));
    }
  }
}
