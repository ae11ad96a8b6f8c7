package ates.system;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ates.Main;
import ates.contract.Topics;
import ates.platform.AtesNode;
import ates.testing.ConsumerLag;
import ates.testing.Http;
import ates.testing.IntegrationTest;
import ates.testing.TestInfra;
import com.fasterxml.jackson.databind.JsonNode;
import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import java.time.Duration;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.OptionalDouble;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The monitoring figures of issue 13 on a real node running every service, scraped from its
 * management port's {@code /metrics} after a small scenario (a worker, a task created and
 * completed, today's billing day closed): the last closed billing day is today, the mail outbox and
 * its failures are exported, every pool shows its configured maximum, the journal timed its writes,
 * the entities of the scenario are counted in their shards, the consumer streams' restart counters
 * and the projections' backlogs exist, and HTTP latency is labelled by route template, never by a
 * path with an id.
 */
@IntegrationTest
class MonitoringEndToEndTest {

  private static final Duration TIMEOUT = Duration.ofSeconds(45);
  private static final int POOL_SIZE = 4;

  private final TestInfra infra = TestInfra.get();
  private AtesNode node;

  @AfterEach
  void stop() {
    if (node != null) node.stop();
  }

  @Test
  void a_node_exports_billing_mail_pool_journal_stream_sharding_and_route_figures() {
    TestInfra.NodeSetup setup = infra.newNode();
    Config config =
        ConfigFactory.parseMap(
                Map.of("ates.metrics-interval", "500ms", "ates.db.pool-size", POOL_SIZE))
            .withFallback(infra.nodeConfig(setup, "all"));
    node = AtesNode.start(config, Main.services());
    Http http = new Http(node.httpPort());
    String admin = http.login("admin", TestInfra.ADMIN_PASSWORD);
    String workerId = http.createUser(admin, "monitored", "worker").get("userId").asText();
    String worker = http.login("monitored");
    ConsumerLag.awaitConsumed(
        infra.kafkaBootstrap(),
        setup.topic("tasks-users"),
        setup.topic(Topics.USERS),
        List.of(workerId),
        TIMEOUT);

    // given a task created and completed, and today's billing day closed
    Http.Response created =
        http.post("/api/tasks", admin, "{\"title\":\"Monitored\",\"description\":\"\"}");
    assertEquals(201, created.status(), created.body());
    JsonNode task = created.json();
    Http.Response done =
        http.post("/api/tasks/" + task.get("taskId").asText() + "/complete", worker, "");
    assertEquals(200, done.status(), done.body());
    LocalDate today = LocalDate.now(ZoneOffset.UTC);
    Http.Response close =
        http.post("/api/accounting/billing-cycles/close", admin, "{\"date\":\"" + today + "\"}");
    assertEquals(200, close.status(), close.body());

    // then the last closed day is today: its end is tomorrow's midnight in the billing zone (UTC)
    long endOfToday = today.plusDays(1).atStartOfDay(ZoneOffset.UTC).toEpochSecond();
    await()
        .atMost(TIMEOUT)
        .untilAsserted(
            () ->
                assertEquals(
                    OptionalDouble.of(endOfToday),
                    value(scrape(), "ates_billing_last_closed_day_seconds", "")));
    String metrics = scrape();
    // the mail outbox is sampled (no SMTP configured: payout mails are kept, none pending long)
    assertTrue(value(metrics, "ates_mail_outbox_pending", "").isPresent(), "mail outbox");
    assertTrue(value(metrics, "ates_mail_failures_total", "").isPresent(), "mail failures");
    // every pool of every service, with its configured size
    for (String pool :
        new String[] {
          "identity",
          "identity-journal",
          "identity-read-journal",
          "tasks",
          "tasks-journal",
          "accounting",
          "accounting-read-journal",
          "analytics"
        }) {
      assertEquals(
          OptionalDouble.of(POOL_SIZE),
          value(metrics, "ates_db_pool_max_connections", "pool=\"" + pool + "\""),
          pool);
      assertTrue(
          value(metrics, "ates_db_pool_active_connections", "pool=\"" + pool + "\"").isPresent());
      assertTrue(
          value(metrics, "ates_db_pool_pending_threads", "pool=\"" + pool + "\"").isPresent());
    }
    // the pools of leases and the cluster guard: two connections each
    await()
        .atMost(TIMEOUT)
        .untilAsserted(
            () ->
                assertEquals(
                    OptionalDouble.of(2),
                    value(
                        scrape(), "ates_db_pool_max_connections", "pool=\"tasks-coordination\"")));
    // the journal timed the task's writes
    assertTrue(
        value(
                    metrics,
                    "ates_journal_write_duration_seconds_count",
                    "journal=\"ates.tasks.journal\"")
                .orElse(0)
            >= 2,
        "journal writes of the created and completed task");
    assertEquals(
        OptionalDouble.of(0),
        value(metrics, "ates_journal_write_failures_total", "journal=\"ates.tasks.journal\""));
    // consumer streams have a restart counter, and none restarted
    assertEquals(
        OptionalDouble.of(0),
        value(
            metrics, "ates_stream_restarts_total", "stream=\"tasks-users/" + Topics.USERS + "\""));
    // the task and the worker's account run on this node
    await()
        .atMost(TIMEOUT)
        .untilAsserted(
            () -> {
              String m = scrape();
              assertTrue(value(m, "ates_sharding_entities", "type=\"Task\"").orElse(0) >= 1, m);
              assertTrue(value(m, "ates_sharding_shards", "type=\"Task\"").orElse(0) >= 1, m);
              assertTrue(value(m, "ates_sharding_entities", "type=\"Account\"").orElse(0) >= 1, m);
            });
    // projections catch up: no backlog left
    await()
        .atMost(TIMEOUT)
        .untilAsserted(
            () -> {
              String m = scrape();
              assertTrue(m.contains("ates_projection_backlog_age_seconds{"), "backlog exported");
              assertFalse(
                  Pattern.compile("ates_projection_backlog_events\\{[^}]*} [1-9]")
                      .matcher(m)
                      .find(),
                  "a projection has a backlog:\n" + m);
            });
    // HTTP latency by route template: the completed task's id is no label value
    assertTrue(
        value(
                    metrics,
                    "ates_http_request_duration_seconds_count",
                    "method=\"POST\",route=\"/api/tasks/{taskId}/complete\"")
                .orElse(0)
            >= 1,
        metrics);
    assertFalse(metrics.contains(task.get("taskId").asText()), "a task id in a label");
  }

  private String scrape() {
    Http.Response r = new Http(node.managementPort()).get("/metrics", null);
    assertEquals(200, r.status());
    return r.body();
  }

  /**
   * The value of the sample {@code name{labels...}} (labels: a part of its label list, empty for a
   * sample without labels).
   */
  private static OptionalDouble value(String metrics, String name, String labels) {
    Pattern sample =
        labels.isEmpty()
            ? Pattern.compile("(?m)^" + Pattern.quote(name) + " (\\S+)$")
            : Pattern.compile(
                "(?m)^"
                    + Pattern.quote(name)
                    + "\\{[^}]*"
                    + Pattern.quote(labels)
                    + "[^}]*} (\\S+)$");
    Matcher m = sample.matcher(metrics);
    return m.find() ? OptionalDouble.of(Double.parseDouble(m.group(1))) : OptionalDouble.empty();
  }
}
