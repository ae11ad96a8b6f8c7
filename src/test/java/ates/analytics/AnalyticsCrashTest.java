package ates.analytics;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ates.contract.Role;
import ates.platform.http.JwtService;
import ates.testing.Http;
import ates.testing.IntegrationTest;
import ates.testing.NodeProcess;
import ates.testing.TestInfra;
import com.fasterxml.jackson.databind.JsonNode;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Clock;
import java.time.Duration;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * A node killed with SIGKILL in the middle of ingestion: after a restart the figures equal the
 * recomputation — the offsets stored with the aggregates mean no event is counted twice or missed.
 */
@IntegrationTest
class AnalyticsCrashTest {

  @Test
  void figures_are_exact_after_sigkill_in_the_middle_of_ingestion() throws Exception {
    TestInfra infra = TestInfra.get();
    TestInfra.NodeSetup setup = infra.newNode();
    LocalDate today = LocalDate.now(ZoneOffset.UTC);
    List<LocalDate> days = new ArrayList<>();
    for (int i = 9; i >= 0; i--) days.add(today.minusDays(i));

    // the events are on Kafka before the node starts
    ates.platform.kafka.KafkaPlatform.ensureTopics(
        infra.kafkaBootstrap(),
        infra
            .nodeConfig(setup, "analytics")
            .withFallback(com.typesafe.config.ConfigFactory.load()));
    AnalyticsEventsFixture events =
        new AnalyticsEventsFixture(infra.kafkaBootstrap(), setup.topicPrefix(), 7);
    for (int i = 0; i < 8; i++) events.user(Role.WORKER);
    events.scenario(days, 120);
    events.close();
    long transactions =
        events.sent.stream().filter(e -> e.eventName().equals("TransactionCreated")).count();

    Path log = Path.of("target", "analytics-crash-node.log");
    int httpPort = TestInfra.freePort();
    int managementPort = TestInfra.freePort();
    Map<String, String> env = infra.nodeEnvironment(setup, "analytics", httpPort, managementPort);
    String jdbcUrl = infra.postgresServerUrl() + "/" + setup.databasePrefix() + "analytics";

    NodeProcess node = NodeProcess.start(env, httpPort, managementPort, log);
    await()
        .atMost(Duration.ofSeconds(90))
        .pollInterval(Duration.ofMillis(5))
        .until(() -> ingested(jdbcUrl, "TransactionCreated") > 50);
    node.kill();
    long atKill = ingested(jdbcUrl, "TransactionCreated");
    assertTrue(atKill < transactions, "killed in the middle: " + atKill + " of " + transactions);

    node = NodeProcess.start(env, httpPort, managementPort, log);
    try {
      Http http = new Http(httpPort);
      String admin =
          new JwtService(
                  TestInfra.JWT_SECRET.getBytes(StandardCharsets.UTF_8),
                  "ates",
                  Duration.ofHours(1),
                  Clock.systemUTC())
              .issue(UUID.randomUUID(), "admin", Role.ADMIN)
              .token();
      Recomputation expected = new Recomputation(events.sent);
      await()
          .atMost(Duration.ofSeconds(90))
          .until(() -> ingested(jdbcUrl, "TransactionCreated") >= transactions);
      Http.Response daily =
          http.get("/api/analytics/daily?from=" + days.get(0) + "&to=" + today, admin);
      assertEquals(200, daily.status(), daily.body());
      for (JsonNode row : daily.json()) {
        LocalDate day = LocalDate.parse(row.get("date").asText());
        Recomputation.Day want = expected.day(day);
        assertEquals(want.earnings(), row.get("managementEarnings").asLong(), "earnings " + day);
        assertEquals(want.completed(), row.get("completedTasks").asLong(), "completed " + day);
        assertEquals(
            want.negative(), row.get("negativeBalanceWorkers").asLong(), "negative " + day);
        assertEquals(want.averageReward(), row.get("averageReward").asLong(), "average " + day);
      }
    } finally {
      node.stop();
    }
  }

  /** Records of a topic the analytics database has stored the offsets of. */
  private static long ingested(String jdbcUrl, String topic) throws Exception {
    try (Connection c = DriverManager.getConnection(jdbcUrl, "postgres", "");
        PreparedStatement ps =
            c.prepareStatement(
                "SELECT coalesce(sum(next_offset), 0) FROM kafka_offsets WHERE topic LIKE ?")) {
      ps.setString(1, "%" + topic);
      try (ResultSet rs = ps.executeQuery()) {
        rs.next();
        return rs.getLong(1);
      }
    } catch (java.sql.SQLException e) {
      return 0; // the database or its tables do not exist yet
    }
  }
}
