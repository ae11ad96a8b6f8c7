package ates.analytics;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ates.Main;
import ates.contract.Role;
import ates.contract.Topics;
import ates.contract.TransactionType;
import ates.contract.events.TaskCompletedV1;
import ates.contract.events.TransactionCreatedV1;
import ates.platform.AtesNode;
import ates.platform.http.JwtService;
import ates.testing.Http;
import ates.testing.IntegrationTest;
import ates.testing.TestInfra;
import ates.testing.TopicReader;
import com.fasterxml.jackson.databind.JsonNode;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * Analytics fed a known set of events through the real Kafka — duplicates, late events for past
 * days, several days hot and cold, days with a negative income, a poisoned record — and every
 * answer of every endpoint checked against a recomputation from the same events, before and after a
 * restart.
 */
@IntegrationTest
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class AnalyticsEndToEndTest {

  private static final Duration TIMEOUT = Duration.ofSeconds(60);

  private TestInfra infra;
  private TestInfra.NodeSetup setup;
  private AtesNode node;
  private Http http;
  private String admin;
  private AnalyticsEventsFixture events;
  private final LocalDate today = LocalDate.now(ZoneOffset.UTC);
  private final List<LocalDate> days =
      List.of(
          today.minusDays(40), today.minusDays(10), today.minusDays(3), today.minusDays(1), today);

  /** Days whose rewards exceed their fees: one cold, one hot (hot-days is 7). */
  private final LocalDate coldLoss = today.minusDays(20);

  private final LocalDate hotLoss = today.minusDays(2);

  @BeforeAll
  void start() {
    infra = TestInfra.get();
    setup = infra.newNode();
    node = AtesNode.start(infra.nodeConfig(setup, "analytics"), Main.services());
    http = new Http(node.httpPort());
    JwtService jwt =
        new JwtService(
            TestInfra.JWT_SECRET.getBytes(StandardCharsets.UTF_8),
            "ates",
            Duration.ofHours(1),
            Clock.systemUTC());
    admin = jwt.issue(UUID.randomUUID(), "admin", Role.ADMIN).token();

    events = new AnalyticsEventsFixture(infra.kafkaBootstrap(), setup.topicPrefix(), 42);
    for (int i = 0; i < 6; i++) events.user(Role.WORKER);
    events.user(Role.MANAGER);
    events.scenario(days, 12);
    // late events for past days, after today's
    UUID late = events.workers.get(0);
    events.movement(late, TransactionType.ASSIGNMENT_FEE, 1900, today.minusDays(3));
    TaskCompletedV1 lateTask = events.completion(events.workers.get(1), today.minusDays(1), 3999);
    events.movement(
        events.workers.get(1), TransactionType.COMPLETION_REWARD, 3999, today.minusDays(1));
    // a payout of yesterday booked after a fee of today: it belongs to yesterday
    UUID paid = events.workers.get(4);
    events.movement(paid, TransactionType.COMPLETION_REWARD, 3900, today.minusDays(1));
    events.movement(paid, TransactionType.ASSIGNMENT_FEE, 1200, today);
    events.movement(paid, TransactionType.PAYOUT, 2500, today.minusDays(1));
    // late losses, each sent twice: -2999 on a cold day (averaged over 2 days: -1499.5), -2499 hot
    events.unprofitableDay(events.workers.get(5), coldLoss, 1001, 4000);
    events.unprofitableDay(events.workers.get(5), hotLoss, 1500, 3999);
    // duplicates, a promotion and poison
    TransactionCreatedV1 dup =
        events.movement(events.workers.get(2), TransactionType.ASSIGNMENT_FEE, 1500, today);
    events.resendTransaction(dup);
    events.resendCompletion(lateTask);
    events.promote(events.workers.get(3));
    events.poison(Topics.TRANSACTION_CREATED);
    events.poison(Topics.TASK_COMPLETED);
  }

  @AfterAll
  void stop() {
    if (events != null) events.close();
    if (node != null) node.stop();
  }

  @Test
  void every_answer_equals_the_recomputation_before_and_after_a_restart() {
    Recomputation expected = new Recomputation(events.sent);
    // the events hold what the summaries are meant to show
    assertEquals(-2999, expected.summary(coldLoss, coldLoss).income());
    assertEquals(-1500, expected.summary(coldLoss, coldLoss.plusDays(1)).averageIncome());
    assertEquals(-2499, expected.summary(hotLoss, hotLoss).income());
    await().atMost(TIMEOUT).untilAsserted(() -> assertAnswers(expected));

    // poisoned records went to the dead-letter topics
    TopicReader.readUntil(
        infra.kafkaBootstrap(),
        setup.topic(Topics.deadLetter(Topics.TRANSACTION_CREATED)),
        TIMEOUT,
        rs -> rs.size() == 1);
    TopicReader.readUntil(
        infra.kafkaBootstrap(),
        setup.topic(Topics.deadLetter(Topics.TASK_COMPLETED)),
        TIMEOUT,
        rs -> rs.size() == 1);

    node.stop();
    node = AtesNode.start(infra.nodeConfig(setup, "analytics"), Main.services());
    http = new Http(node.httpPort());
    assertAnswers(expected);
  }

  private void assertAnswers(Recomputation expected) {
    for (LocalDate day : days) {
      Recomputation.Day want = expected.day(day);
      Http.Response r = http.get("/api/analytics/dashboard?date=" + day, admin);
      assertEquals(200, r.status(), r.body());
      assertEquals(want.earnings(), r.json().get("managementEarnings").asLong(), "earnings " + day);
      assertEquals(
          want.negative(), r.json().get("negativeBalanceWorkers").asLong(), "negative " + day);
      assertEquals(want.completed(), r.json().get("completedTasks").asLong(), "completed " + day);
    }
    Http.Response daily =
        http.get("/api/analytics/daily?from=" + days.get(0) + "&to=" + today, admin);
    assertEquals(200, daily.status(), daily.body());
    assertEquals(41, daily.json().size());
    for (JsonNode row : daily.json()) {
      LocalDate day = LocalDate.parse(row.get("date").asText());
      Recomputation.Day want = expected.day(day);
      assertEquals(
          want.earnings(), row.get("managementEarnings").asLong(), "daily earnings " + day);
      assertEquals(
          want.negative(), row.get("negativeBalanceWorkers").asLong(), "daily negative " + day);
      assertEquals(want.completed(), row.get("completedTasks").asLong(), "daily completed " + day);
      assertEquals(want.averageReward(), row.get("averageReward").asLong(), "daily average " + day);
      if (want.top() == null)
        assertEquals(true, row.get("mostExpensiveTask").isNull(), "no task " + day);
      else
        assertEquals(
            want.top().taskId().toString(),
            row.get("mostExpensiveTask").get("taskId").asText(),
            "top " + day);
    }
    assertTop(
        expected.top(today, today),
        http.get("/api/analytics/most-expensive-task?period=day", admin));
    assertTop(
        expected.top(today.minusDays(6), today),
        http.get("/api/analytics/most-expensive-task?period=week", admin));
    assertTop(
        expected.top(today.minusMonths(1).plusDays(1), today),
        http.get("/api/analytics/most-expensive-task?period=month", admin));
    assertTop(
        expected.top(days.get(0), days.get(1)),
        http.get(
            "/api/analytics/most-expensive-task?from=" + days.get(0) + "&to=" + days.get(1),
            admin));
    Http.Response none =
        http.get(
            "/api/analytics/most-expensive-task?from="
                + today.minusDays(9)
                + "&to="
                + today.minusDays(4),
            admin);
    assertEquals(404, none.status(), none.body());
    assertSummaries(expected);
  }

  /** Summaries of ranges cold, hot and across both, with losses and days without movements. */
  private void assertSummaries(Recomputation expected) {
    assertSummary(expected, days.get(0), today); // every day, cold and hot
    assertSummary(expected, today.minusDays(10), today); // across the hot-days boundary
    assertSummary(expected, days.get(0), today.minusDays(7)); // cold only
    assertSummary(expected, coldLoss.minusDays(1), coldLoss.plusDays(1)); // a loss among empty days
    assertSummary(expected, coldLoss, coldLoss.plusDays(1)); // a negative tie: -1499.5
    assertSummary(expected, hotLoss, today.minusDays(1)); // hot, a loss and a late event
    assertSummary(expected, today.minusDays(9), today.minusDays(4)); // no movement at all
    assertSummary(expected.summary(today, today), "period=day");
    assertSummary(expected.summary(today.minusDays(6), today), "period=week");
    assertSummary(expected.summary(today.minusMonths(1).plusDays(1), today), "period=month");
  }

  private void assertSummary(Recomputation expected, LocalDate from, LocalDate to) {
    assertSummary(expected.summary(from, to), "from=" + from + "&to=" + to);
  }

  private void assertSummary(Recomputation.Summary want, String query) {
    Http.Response r = http.get("/api/analytics/summary?" + query, admin);
    assertEquals(200, r.status(), query + " " + r.body());
    JsonNode s = r.json();
    assertEquals(want.from().toString(), s.get("from").asText(), "from " + query);
    assertEquals(want.to().toString(), s.get("to").asText(), "to " + query);
    assertEquals(want.days(), s.get("days").asLong(), "days " + query);
    assertEquals(want.income(), s.get("totalIncome").asLong(), "income " + query);
    assertEquals(want.averageIncome(), s.get("averageDailyIncome").asLong(), "average " + query);
    assertEquals(want.completed(), s.get("completedTasks").asLong(), "completed " + query);
    assertEquals(want.averageReward(), s.get("averageReward").asLong(), "reward " + query);
    JsonNode top = s.get("mostExpensiveTask");
    if (want.top() == null) assertTrue(top.isNull(), "no task " + query);
    else assertEquals(want.top().taskId().toString(), top.get("taskId").asText(), "top " + query);
  }

  private static void assertTop(TaskCompletedV1 want, Http.Response r) {
    assertNotNull(want);
    assertEquals(200, r.status(), r.body());
    assertEquals(want.taskId().toString(), r.json().get("taskId").asText());
    assertEquals(want.completionReward(), r.json().get("completionReward").asLong());
    assertEquals(want.title(), r.json().get("title").asText());
  }

  @Test
  void only_admins_read_analytics() {
    JwtService jwt =
        new JwtService(
            TestInfra.JWT_SECRET.getBytes(StandardCharsets.UTF_8),
            "ates",
            Duration.ofHours(1),
            Clock.systemUTC());
    for (Role role : List.of(Role.WORKER, Role.MANAGER, Role.ACCOUNTANT)) {
      String token = jwt.issue(UUID.randomUUID(), "someone", role).token();
      for (String path :
          List.of(
              "/api/analytics/dashboard",
              "/api/analytics/most-expensive-task?period=week",
              "/api/analytics/daily?from=" + today + "&to=" + today,
              "/api/analytics/summary?period=week",
              "/api/analytics/summary?from=" + today + "&to=" + today)) {
        Http.Response r = http.get(path, token);
        assertEquals(403, r.status(), role + " " + path + " " + r.body());
      }
    }
  }

  @Test
  void summary_ranges_are_checked_like_the_others() {
    List<String> bad =
        List.of(
            "",
            "period=year",
            "from=" + today,
            "to=" + today,
            "from=" + today + "&to=" + today.minusDays(1),
            "from=" + today.minusDays(366) + "&to=" + today,
            "from=yesterday&to=" + today);
    for (String query : bad) {
      Http.Response r = http.get("/api/analytics/summary?" + query, admin);
      assertEquals(400, r.status(), query + " " + r.body());
      assertTrue(
          r.contentType().startsWith("application/problem+json"), query + " " + r.contentType());
    }
    Http.Response longest =
        http.get("/api/analytics/summary?from=" + today.minusDays(365) + "&to=" + today, admin);
    assertEquals(200, longest.status(), longest.body());
    assertEquals(366, longest.json().get("days").asLong());
  }
}
