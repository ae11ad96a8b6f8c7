package ates.testing;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ates.contract.EventEnvelope;
import ates.contract.EventJson;
import ates.contract.Topics;
import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import org.apache.kafka.clients.consumer.ConsumerRecord;

/**
 * The money checks after a workload, made from the outside: the task topics (read with Kafka's own
 * consumer) say what every worker owes and earned; the accounting API must show exactly those
 * movements, once each, with balances that add up; analytics must agree with accounting.
 */
public final class MoneyInvariants {

  private MoneyInvariants() {}

  /** What the task topics say: per worker, the fees and rewards it must be booked. */
  public record Expected(
      Map<UUID, Long> fees,
      Map<UUID, Long> rewards,
      Map<UUID, Integer> assignments,
      Map<UUID, Integer> completions,
      Set<UUID> tasks) {
    long balance(UUID worker) {
      return rewards.getOrDefault(worker, 0L) - fees.getOrDefault(worker, 0L);
    }
  }

  /**
   * Reads the task topics to their current ends, counting each eventId once, and checks that each
   * acknowledged create and completion is on them, each task created once (one creation event id).
   */
  public static Expected fromTopics(
      String bootstrap, TestInfra.NodeSetup setup, Workload workload, Duration timeout) {
    Set<UUID> acknowledged = new HashSet<>(workload.created.values());
    Set<UUID> completedTasks = Set.copyOf(workload.completed);
    // completions first, assignments last: a snapshot of the assignments read last holds every
    // assignment a completion read before it depends on
    List<ConsumerRecord<String, byte[]>> completed =
        TopicReader.readToEnd(bootstrap, setup.topic(Topics.TASK_COMPLETED), timeout);
    List<ConsumerRecord<String, byte[]>> created =
        TopicReader.readToEnd(bootstrap, setup.topic(Topics.TASK_CREATED), timeout);
    List<ConsumerRecord<String, byte[]>> assigned =
        TopicReader.readToEnd(bootstrap, setup.topic(Topics.TASK_ASSIGNED), timeout);
    assertTrue(
        taskIds(created).containsAll(acknowledged), "every acknowledged create is published");
    assertTrue(
        taskIds(assigned).containsAll(acknowledged), "every acknowledged task has an assignment");
    Map<UUID, Set<UUID>> creationIds = new HashMap<>();
    for (EventEnvelope e : decode(created)) {
      UUID task = UUID.fromString(e.data().get("taskId").asText());
      creationIds.computeIfAbsent(task, t -> new HashSet<>()).add(e.eventId());
    }
    creationIds.forEach(
        (task, ids) -> assertEquals(1, ids.size(), "task " + task + " created " + ids.size()));
    assertEquals(
        acknowledged,
        creationIds.keySet(),
        "the tasks on the topic are exactly the acknowledged creates");

    Map<UUID, Long> fees = new HashMap<>();
    Map<UUID, Long> rewards = new HashMap<>();
    Map<UUID, Integer> assignments = new HashMap<>();
    Map<UUID, Integer> completions = new HashMap<>();
    Set<UUID> seen = new HashSet<>();
    for (EventEnvelope e : decode(assigned)) {
      if (!seen.add(e.eventId())) continue;
      UUID worker = UUID.fromString(e.data().get("assigneeId").asText());
      fees.merge(worker, e.data().get("assignFee").asLong(), Long::sum);
      assignments.merge(worker, 1, Integer::sum);
    }
    Set<UUID> completedOnTopic = new HashSet<>();
    for (EventEnvelope e : decode(completed)) {
      if (!seen.add(e.eventId())) continue;
      UUID task = UUID.fromString(e.data().get("taskId").asText());
      assertTrue(completedOnTopic.add(task), "task " + task + " completed twice");
      UUID worker = UUID.fromString(e.data().get("assigneeId").asText());
      rewards.merge(worker, e.data().get("completionReward").asLong(), Long::sum);
      completions.merge(worker, 1, Integer::sum);
    }
    assertTrue(
        completedOnTopic.containsAll(completedTasks), "every acknowledged completion is published");
    return new Expected(fees, rewards, assignments, completions, acknowledged);
  }

  /**
   * Every worker's ledger, through the accounting API, holds exactly the expected fees and rewards,
   * one transaction each, and its balance is the sum of its movements. Awaited, since accounting
   * consumes asynchronously.
   */
  public static void ledgersMatch(
      Http http, String accountantToken, Set<UUID> workers, Expected expected, Duration timeout) {
    for (UUID worker : workers) {
      await()
          .atMost(timeout)
          .pollInterval(Duration.ofMillis(500))
          .untilAsserted(() -> ledgerMatches(http, accountantToken, worker, expected));
    }
  }

  static void ledgerMatches(Http http, String token, UUID worker, Expected expected) {
    long fees = 0;
    long rewards = 0;
    long payouts = 0;
    int feeCount = 0;
    int rewardCount = 0;
    Set<String> transactionIds = new HashSet<>();
    String before = null;
    long balance = 0;
    boolean first = true;
    while (true) {
      String path =
          "/api/accounts/" + worker + "?limit=500" + (before == null ? "" : "&before=" + before);
      Http.Response response = http.get(path, token);
      assertEquals(200, response.status(), response.body());
      JsonNode account = response.json();
      if (first) {
        balance = account.get("balance").asLong();
        first = false;
      }
      JsonNode transactions = account.get("transactions");
      for (JsonNode t : transactions) {
        assertTrue(
            transactionIds.add(t.get("transactionId").asText()), "transaction listed twice: " + t);
        long amount = t.get("amount").asLong();
        switch (t.get("type").asText()) {
          case "assignment_fee" -> {
            fees += amount;
            feeCount++;
          }
          case "completion_reward" -> {
            rewards += amount;
            rewardCount++;
          }
          case "payout" -> payouts += amount;
          default -> throw new AssertionError("unknown type " + t);
        }
      }
      if (transactions.size() < 500) break;
      before = transactions.get(transactions.size() - 1).get("createdAt").asText();
    }
    assertEquals(
        expected.assignments().getOrDefault(worker, 0), feeCount, "fees booked for " + worker);
    assertEquals(
        expected.completions().getOrDefault(worker, 0),
        rewardCount,
        "rewards booked for " + worker);
    assertEquals(expected.fees().getOrDefault(worker, 0L), fees, "fee total of " + worker);
    assertEquals(expected.rewards().getOrDefault(worker, 0L), rewards, "rewards of " + worker);
    assertEquals(rewards - fees - payouts, balance, "balance = Σ movements for " + worker);
  }

  /**
   * Analytics' management earnings equal accounting's for yesterday and today (UTC, the default
   * billing zone), and both equal Σ fees − Σ rewards from the task topics. Awaited.
   */
  public static void analyticsAgrees(
      Http http, String adminToken, Expected expected, Duration timeout) {
    await()
        .atMost(timeout)
        .pollInterval(Duration.ofMillis(500))
        .untilAsserted(() -> analyticsMatches(http, adminToken, expected));
  }

  static void analyticsMatches(Http http, String adminToken, Expected expected) {
    LocalDate today = LocalDate.now(ZoneOffset.UTC);
    LocalDate yesterday = today.minusDays(1);
    long fromTopics =
        expected.fees().values().stream().mapToLong(Long::longValue).sum()
            - expected.rewards().values().stream().mapToLong(Long::longValue).sum();
    JsonNode earnings =
        http.get("/api/accounting/earnings?from=" + yesterday + "&to=" + today, adminToken).json();
    long accounting = 0;
    for (JsonNode day : earnings) accounting += day.get("managementEarnings").asLong();
    long analytics = 0;
    for (LocalDate d : List.of(yesterday, today)) {
      Http.Response dashboard = http.get("/api/analytics/dashboard?date=" + d, adminToken);
      assertEquals(200, dashboard.status(), "analytics dashboard: " + dashboard.body());
      analytics += dashboard.json().get("managementEarnings").asLong();
    }
    assertEquals(fromTopics, accounting, "accounting earnings = topics");
    assertEquals(accounting, analytics, "analytics = accounting");
  }

  /** The invariants of one check, each true or false, with the first failure's message. */
  public record Outcome(Map<String, Boolean> invariants, List<String> problems) {
    public boolean allHold() {
      return invariants.values().stream().allMatch(Boolean::booleanValue);
    }
  }

  /**
   * Checks every money invariant once, from a fresh read of the topics: each acknowledged create
   * exists once, each fee and reward is booked once with balances = Σ movements, and analytics =
   * accounting. The clients must have stopped; {@link #awaitAll} retries while the pipeline drains.
   */
  public static Outcome checkAll(
      Http http,
      String adminToken,
      NodeServers servers,
      TestInfra.NodeSetup setup,
      Workload workload,
      Set<UUID> workers) {
    Map<String, Boolean> invariants = new java.util.LinkedHashMap<>();
    List<String> problems = new java.util.ArrayList<>();
    Expected expected = null;
    try {
      expected = fromTopics(servers.kafkaBootstrap(), setup, workload, Duration.ofSeconds(20));
      invariants.put("acknowledged_creates_exist_once", true);
    } catch (AssertionError e) {
      invariants.put("acknowledged_creates_exist_once", false);
      problems.add(e.getMessage());
    }
    boolean booked = expected != null;
    if (expected != null) {
      for (UUID worker : workers) {
        try {
          ledgerMatches(http, adminToken, worker, expected);
        } catch (AssertionError | RuntimeException e) {
          booked = false;
          problems.add(e.getMessage());
          break;
        }
      }
    }
    invariants.put("fees_and_rewards_booked_once_and_balances_add_up", booked);
    boolean agrees = expected != null;
    if (expected != null) {
      try {
        analyticsMatches(http, adminToken, expected);
      } catch (AssertionError | RuntimeException e) {
        agrees = false;
        problems.add(e.getMessage());
      }
    }
    invariants.put("analytics_equals_accounting", agrees);
    return new Outcome(invariants, problems);
  }

  /** {@link #checkAll} until every invariant holds or the timeout passes; the last outcome. */
  public static Outcome awaitAll(
      Http http,
      String adminToken,
      NodeServers servers,
      TestInfra.NodeSetup setup,
      Workload workload,
      Set<UUID> workers,
      Duration timeout) {
    long until = System.nanoTime() + timeout.toNanos();
    Outcome outcome = checkAll(http, adminToken, servers, setup, workload, workers);
    while (!outcome.allHold() && System.nanoTime() < until) {
      await().pollDelay(Duration.ofSeconds(1)).until(() -> true);
      outcome = checkAll(http, adminToken, servers, setup, workload, workers);
    }
    return outcome;
  }

  private static Set<UUID> taskIds(List<ConsumerRecord<String, byte[]>> records) {
    Set<UUID> ids = new HashSet<>();
    for (ConsumerRecord<String, byte[]> r : records) ids.add(UUID.fromString(r.key()));
    return ids;
  }

  private static List<EventEnvelope> decode(List<ConsumerRecord<String, byte[]>> records) {
    return records.stream().map(r -> EventJson.decode(r.value())).toList();
  }
}
