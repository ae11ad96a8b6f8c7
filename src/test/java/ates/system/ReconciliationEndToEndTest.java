package ates.system;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ates.Main;
import ates.analytics.ReconcileCommand;
import ates.contract.Topics;
import ates.contract.events.TransactionCreatedV1;
import ates.platform.AtesNode;
import ates.platform.http.HttpJson;
import ates.testing.BrokenLedger;
import ates.testing.ConsumerLag;
import ates.testing.Http;
import ates.testing.IntegrationTest;
import ates.testing.TestInfra;
import com.fasterxml.jackson.databind.JsonNode;
import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The money reconciliation on a node running every service: after a scenario through the HTTP API
 * (creates, completions, a shuffle, a billing close) it is ok with the counts the scenario implies,
 * over HTTP and through the {@code reconcile} command; a fee booked twice (a second {@code
 * TransactionCreated} of one movement under a new eventId, as a broken ledger handler would
 * publish) makes both report the worker's fee as a mismatch, and the gauge above zero. Each test
 * starts its own node (own databases and topics).
 */
@IntegrationTest
class ReconciliationEndToEndTest {

  private static final Duration TIMEOUT = Duration.ofSeconds(60);

  private final TestInfra infra = TestInfra.get();
  private final LocalDate today = LocalDate.now(ZoneOffset.UTC);
  private TestInfra.NodeSetup setup;
  private AtesNode node;
  private Http http;
  private String admin;
  private final Map<String, String> workerTokens = new HashMap<>();

  /** Node config: the test infrastructure, with the periodic check every second. */
  private Config config() {
    return ConfigFactory.parseMap(Map.of("ates.analytics.reconciliation.interval", "1s"))
        .withFallback(infra.nodeConfig(setup, "all"));
  }

  private void startNode(int workers) {
    setup = infra.newNode();
    node = AtesNode.start(config(), Main.services());
    http = new Http(node.httpPort());
    admin = http.login("admin", TestInfra.ADMIN_PASSWORD);
    for (int i = 1; i <= workers; i++) {
      String login = "worker" + i;
      workerTokens.put(
          http.createUser(admin, login, "worker").get("userId").asText(), http.login(login));
    }
    ConsumerLag.awaitConsumed(
        infra.kafkaBootstrap(),
        setup.topic("tasks-users"),
        setup.topic(Topics.USERS),
        workerTokens.keySet(),
        TIMEOUT);
  }

  @AfterEach
  void stop() {
    if (node != null) node.stop();
  }

  /** What a scenario did, as the API answered it. */
  private record Scenario(int assignments, int completions, int payouts, Set<String> workers) {}

  /** Creates {@code tasks} tasks, completes every other one, shuffles the rest, closes today. */
  private Scenario runScenario(int tasks) {
    List<JsonNode> created = new ArrayList<>();
    Set<String> workers = new HashSet<>();
    for (int i = 0; i < tasks; i++) {
      Http.Response r =
          http.post(
              "/api/tasks", admin, "{\"title\":\"Reconciled " + i + "\",\"description\":\"\"}");
      assertEquals(201, r.status(), r.body());
      created.add(r.json());
      workers.add(r.json().get("assigneeId").asText());
    }
    int completions = 0;
    Set<String> stillOpen = new HashSet<>();
    for (int i = 1; i < created.size(); i += 2)
      stillOpen.add(created.get(i).get("taskId").asText());
    for (int i = 0; i < created.size(); i += 2) {
      JsonNode t = created.get(i);
      Http.Response done =
          http.post(
              "/api/tasks/" + t.get("taskId").asText() + "/complete",
              workerTokens.get(t.get("assigneeId").asText()),
              "");
      assertEquals(200, done.status(), done.body());
      completions++;
    }
    int open = tasks - completions;
    // the read model the shuffle pages through lists exactly the tasks left open (a count alone
    // would match while creations are listed before the completions of some of them)
    await().atMost(TIMEOUT).until(() -> openTaskIds().equals(stillOpen));
    Http.Response shuffle = http.post("/api/tasks/shuffle", admin, "");
    assertEquals(200, shuffle.status(), shuffle.body());
    assertEquals(open, shuffle.json().get("reassigned").asInt());
    for (JsonNode t : http.get("/api/tasks?assignee=all&status=open", admin).json()) {
      workers.add(t.get("assigneeId").asText());
    }
    // the close pays what is booked by then; the reconciliation compares whatever it booked
    Http.Response close =
        http.post("/api/accounting/billing-cycles/close", admin, "{\"date\":\"" + today + "\"}");
    assertEquals(200, close.status(), close.body());
    int payouts = 0;
    for (JsonNode p : close.json().get("payouts")) if (p.get("amount").asLong() > 0) payouts++;
    return new Scenario(tasks + open, completions, payouts, workers);
  }

  /** Awaits an ok reconciliation that checked every assignment and completion of {@code s}. */
  private void awaitOkWithAll(Scenario s) {
    await()
        .atMost(TIMEOUT)
        .untilAsserted(
            () -> {
              JsonNode r = reconciliation();
              assertTrue(r.get("ok").asBoolean(), "not yet ok: " + r);
              assertEquals(s.assignments(), r.get("checked").get("assignments").asInt(), "" + r);
              assertEquals(s.completions(), r.get("checked").get("completions").asInt(), "" + r);
            });
  }

  private Set<String> openTaskIds() {
    Set<String> ids = new HashSet<>();
    for (JsonNode t : http.get("/api/tasks?assignee=all&status=open", admin).json())
      ids.add(t.get("taskId").asText());
    return ids;
  }

  private JsonNode reconciliation() {
    Http.Response r = http.get("/api/admin/reconciliation?date=" + today, admin);
    assertEquals(200, r.status(), r.body());
    return r.json();
  }

  private record CommandRun(int exitCode, JsonNode report, String err) {}

  /** The {@code reconcile} command's entry, with the node's environment. */
  private CommandRun reconcileCommand() throws Exception {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    int code =
        ReconcileCommand.run(
            infra.nodeConfig(setup, "all"),
            List.of("--date", today.toString()),
            new PrintStream(out, true, StandardCharsets.UTF_8),
            new PrintStream(err, true, StandardCharsets.UTF_8));
    String stdout = out.toString(StandardCharsets.UTF_8);
    return new CommandRun(
        code,
        stdout.isBlank() ? null : HttpJson.MAPPER.readTree(stdout),
        err.toString(StandardCharsets.UTF_8));
  }

  private String metrics() {
    return new Http(node.managementPort()).get("/metrics", null).body();
  }

  private static double mismatchGauge(String metrics) {
    return metrics
        .lines()
        .filter(l -> l.startsWith("ates_reconciliation_mismatches "))
        .mapToDouble(l -> Double.parseDouble(l.substring(l.indexOf(' ') + 1).trim()))
        .findFirst()
        .orElse(Double.NaN);
  }

  @Test
  void after_a_scenario_every_fee_and_reward_is_expected_booked_and_counted_once()
      throws Exception {
    startNode(4);
    Scenario s = runScenario(12);

    awaitOkWithAll(s);
    JsonNode report = reconciliation();
    assertEquals(today.toString(), report.get("date").asText());
    assertEquals(0, report.get("mismatches").size(), report.toString());
    JsonNode checked = report.get("checked");
    assertEquals(s.assignments(), checked.get("assignments").asInt(), report.toString());
    assertEquals(s.completions(), checked.get("completions").asInt(), report.toString());
    assertEquals(
        s.assignments() + s.completions() + s.payouts(),
        checked.get("movements").asInt(),
        report.toString());
    // the scenario saw the assignees through the task list, which may not show the shuffle's
    // last reassignments yet: it knows a lower bound; every worker counted is one it created
    int counted = checked.get("workers").asInt();
    assertTrue(
        counted >= s.workers().size() && counted <= workerTokens.size(),
        counted + " workers counted, " + s.workers().size() + " seen: " + report);
    // today is the default day
    assertEquals(report, http.get("/api/admin/reconciliation", admin).json());

    CommandRun run = reconcileCommand();
    assertEquals(0, run.exitCode(), run.err());
    assertEquals(report, run.report());
    assertTrue(run.err().contains("ok"), run.err());

    await().atMost(TIMEOUT).until(() -> mismatchGauge(metrics()) == 0.0);

    // admin only; a bad date is a 400 problem, a day without movements is ok and empty
    String worker = workerTokens.values().iterator().next();
    assertEquals(403, http.get("/api/admin/reconciliation", worker).status());
    assertEquals(401, http.get("/api/admin/reconciliation", null).status());
    Http.Response bad = http.get("/api/admin/reconciliation?date=2026-13-01", admin);
    assertEquals(400, bad.status(), bad.body());
    assertEquals("application/problem+json", bad.contentType());
    JsonNode empty =
        http.get("/api/admin/reconciliation?date=" + today.minusDays(30), admin).json();
    assertTrue(empty.get("ok").asBoolean());
    assertEquals(0, empty.get("checked").get("movements").asInt());
    for (String edge : List.of("1970-01-01", "9999-12-31")) {
      Http.Response r = http.get("/api/admin/reconciliation?date=" + edge, admin);
      assertEquals(200, r.status(), r.body());
      assertTrue(r.json().get("ok").asBoolean(), r.body());
    }
  }

  @Test
  void a_fee_booked_twice_is_reported_with_its_worker_and_kind() throws Exception {
    startNode(3);
    Scenario s = runScenario(6);
    // ok with every movement of the scenario counted: an ok report taken earlier could still lack
    // the shuffle's fees, which would then show up as mismatches of their own below
    awaitOkWithAll(s);

    // a broken ledger handler: one fee's TransactionCreated published again under a new eventId
    TransactionCreatedV1 movement =
        BrokenLedger.bookAFeeTwice(
            infra.kafkaBootstrap(), setup.topic(Topics.TRANSACTION_CREATED), TIMEOUT);

    await()
        .atMost(TIMEOUT)
        .untilAsserted(() -> assertFalse(reconciliation().get("ok").asBoolean(), "still ok"));
    JsonNode report = reconciliation();
    assertEquals(1, report.get("mismatches").size(), report.toString());
    JsonNode m = report.get("mismatches").get(0);
    assertEquals(movement.accountId().toString(), m.get("userId").asText());
    assertEquals("assignment_fee", m.get("kind").asText());
    // booked once more than the task topics call for; analytics counted the movement once
    assertEquals(
        m.get("expected").asLong() + movement.amount(), m.get("booked").asLong(), m.toString());
    assertEquals(m.get("expected").asLong(), m.get("analytics").asLong(), m.toString());

    CommandRun run = reconcileCommand();
    assertEquals(1, run.exitCode(), run.err());
    assertFalse(run.report().get("ok").asBoolean());
    assertEquals(report.get("mismatches"), run.report().get("mismatches"));

    await().atMost(TIMEOUT).until(() -> mismatchGauge(metrics()) >= 1.0);
  }
}
