package ates.system;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ates.Main;
import ates.contract.Topics;
import ates.platform.AtesNode;
import ates.testing.ConsumerLag;
import ates.testing.Http;
import ates.testing.IntegrationTest;
import ates.testing.TestInfra;
import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * All four services on one node: after a scenario run through the HTTP API, analytics agrees with
 * accounting on today's management earnings and on the workers in the negative.
 */
@IntegrationTest
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class AllServicesEndToEndTest {

  private static final Duration TIMEOUT = Duration.ofSeconds(60);

  private TestInfra infra;
  private TestInfra.NodeSetup setup;
  private AtesNode node;
  private Http http;
  private String admin;
  private final Map<String, String> workerTokens = new HashMap<>();

  @BeforeAll
  void start() {
    infra = TestInfra.get();
    setup = infra.newNode();
    node = AtesNode.start(infra.nodeConfig(setup, "all"), Main.services());
    http = new Http(node.httpPort());
    admin = http.login("admin", TestInfra.ADMIN_PASSWORD);
    for (int i = 1; i <= 4; i++) {
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

  @AfterAll
  void stop() {
    if (node != null) node.stop();
  }

  @Test
  void analytics_agrees_with_accounting() {
    List<JsonNode> tasks = new ArrayList<>();
    for (int i = 0; i < 16; i++) {
      Http.Response r =
          http.post("/api/tasks", admin, "{\"title\":\"Scenario " + i + "\",\"description\":\"\"}");
      assertEquals(201, r.status(), r.body());
      tasks.add(r.json());
    }
    int completed = 0;
    for (int i = 0; i < tasks.size(); i += 2) {
      JsonNode t = tasks.get(i);
      Http.Response done =
          http.post(
              "/api/tasks/" + t.get("taskId").asText() + "/complete",
              workerTokens.get(t.get("assigneeId").asText()),
              "");
      assertEquals(200, done.status(), done.body());
      completed++;
    }
    await()
        .atMost(TIMEOUT)
        .until(() -> http.get("/api/tasks?assignee=all&status=open", admin).json().size() == 8);
    assertEquals(200, http.post("/api/tasks/shuffle", admin, "").status());

    LocalDate today = LocalDate.now(ZoneOffset.UTC);
    int completedTasks = completed;
    await()
        .atMost(TIMEOUT)
        .untilAsserted(
            () -> {
              long accountingEarnings =
                  http.get("/api/accounting/earnings?from=" + today + "&to=" + today, admin)
                      .json()
                      .get(0)
                      .get("managementEarnings")
                      .asLong();
              long negative =
                  workerTokens.keySet().stream()
                      .filter(
                          id ->
                              http.get("/api/accounts/" + id, admin).json().get("balance").asLong()
                                  < 0)
                      .count();
              JsonNode dashboard = http.get("/api/analytics/dashboard", admin).json();
              assertEquals(
                  accountingEarnings, dashboard.get("managementEarnings").asLong(), "earnings");
              assertEquals(
                  negative,
                  dashboard.get("negativeBalanceWorkers").asLong(),
                  "workers in the negative");
              assertEquals(
                  completedTasks, dashboard.get("completedTasks").asLong(), "completed tasks");
              assertTrue(accountingEarnings != 0);
            });
  }

  @Test
  void metrics_show_the_lag_of_every_consumer_and_projection_of_the_node() {
    Http management = new Http(node.managementPort());
    List<String> groups =
        List.of(setup.topic("tasks-users"), setup.topic("accounting-users"), "analytics");
    String onUsers = "topic=\"" + setup.topic(Topics.USERS) + "\"} ";
    await()
        .atMost(TIMEOUT)
        .untilAsserted(
            () -> {
              String metrics = management.get("/metrics", null).body();
              for (String group : groups) {
                assertTrue(
                    metrics
                        .lines()
                        .anyMatch(
                            l ->
                                l.startsWith("ates_consumer_lag{group=\"" + group + "\",")
                                    && l.contains(onUsers)),
                    group + " lag on Users\n" + metrics);
              }
              for (String projection : List.of("publish-", "users-read-model")) {
                assertTrue(
                    metrics.contains("ates_projection_lag_seconds{projection=\"" + projection),
                    metrics);
                assertTrue(
                    metrics.contains("ates_projection_events_total{projection=\"" + projection),
                    metrics);
              }
            });
  }
}
