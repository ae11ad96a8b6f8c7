package ates.accounting;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ates.Main;
import ates.contract.EventEnvelope;
import ates.contract.EventJson;
import ates.contract.Topics;
import ates.platform.AtesNode;
import ates.testing.ConsumerLag;
import ates.testing.Http;
import ates.testing.IntegrationTest;
import ates.testing.TestInfra;
import ates.testing.TopicReader;
import com.fasterxml.jackson.databind.JsonNode;
import com.icegreen.greenmail.util.GreenMail;
import com.icegreen.greenmail.util.GreenMailUtil;
import com.icegreen.greenmail.util.ServerSetup;
import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import jakarta.mail.internet.MimeMessage;
import java.time.Duration;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * Accounting end to end on a node running identity, tasks and accounting, with a real SMTP server
 * (GreenMail): balances against a recomputation from the task topics, the audit log, earnings,
 * re-reading every task topic from offset 0, and closing the day.
 */
@IntegrationTest
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class AccountingEndToEndTest {

  private static final Duration TIMEOUT = Duration.ofSeconds(60);
  private static final String SERVICES = "identity,tasks,accounting";

  private TestInfra infra;
  private TestInfra.NodeSetup setup;
  private GreenMail smtp;
  private AtesNode node;
  private Http http;
  private String admin;
  private final Map<String, String> ids = new HashMap<>();
  private final Map<String, String> tokens = new HashMap<>();
  private final List<String> workers = List.of("worker1", "worker2", "worker3");

  @BeforeAll
  void start() {
    infra = TestInfra.get();
    setup = infra.newNode();
    smtp =
        new GreenMail(
            new ServerSetup(TestInfra.freePort(), "127.0.0.1", ServerSetup.PROTOCOL_SMTP));
    smtp.start();
    node = startNode();
    admin = http.login("admin", TestInfra.ADMIN_PASSWORD);
    for (String w : workers) createUser(w, "worker");
    createUser("counter", "accountant");
    ConsumerLag.awaitConsumed(
        infra.kafkaBootstrap(),
        setup.topic("tasks-users"),
        setup.topic(Topics.USERS),
        ids.values(),
        TIMEOUT);
  }

  private AtesNode startNode() {
    Config config =
        ConfigFactory.parseMap(
                Map.of(
                    "ates.accounting.smtp.host", "127.0.0.1",
                    "ates.accounting.smtp.port", smtp.getSmtp().getPort(),
                    "ates.accounting.mail-interval", "200ms"))
            .withFallback(infra.nodeConfig(setup, SERVICES));
    AtesNode started = AtesNode.start(config, Main.services());
    http = new Http(started.httpPort());
    return started;
  }

  @AfterAll
  void stop() {
    if (node != null) node.stop();
    if (smtp != null) smtp.stop();
  }

  private void createUser(String login, String role) {
    ids.put(login, http.createUser(admin, login, role).get("userId").asText());
    tokens.put(login, http.login(login));
  }

  private JsonNode createTask(String title) {
    Http.Response r =
        http.post("/api/tasks", admin, "{\"title\":\"" + title + "\",\"description\":\"d\"}");
    assertEquals(201, r.status(), r.body());
    return r.json();
  }

  private List<EventEnvelope> all(String topic, int atLeast) {
    return TopicReader.readUntil(
            infra.kafkaBootstrap(), setup.topic(topic), TIMEOUT, rs -> rs.size() >= atLeast)
        .stream()
        .map(r -> EventJson.decode(r.value()))
        .toList();
  }

  /**
   * Every worker's balance recomputed from the task topics: − fees of assignments + rewards of
   * completions.
   */
  private Map<String, Long> expectedBalances(int assignments, int completions) {
    Map<String, Long> balance = new TreeMap<>();
    for (EventEnvelope e : all(Topics.TASK_ASSIGNED, assignments)) {
      balance.merge(
          e.data().get("assigneeId").asText(), -e.data().get("assignFee").asLong(), Long::sum);
    }
    for (EventEnvelope e : all(Topics.TASK_COMPLETED, completions)) {
      balance.merge(
          e.data().get("assigneeId").asText(),
          e.data().get("completionReward").asLong(),
          Long::sum);
    }
    return balance;
  }

  private JsonNode account(String userId) {
    Http.Response r = http.get("/api/accounts/" + userId, admin);
    assertEquals(200, r.status(), r.body());
    return r.json();
  }

  private void awaitBalances(Map<String, Long> expected, Map<String, Integer> movements) {
    await()
        .atMost(TIMEOUT)
        .untilAsserted(
            () -> {
              for (var e : expected.entrySet()) {
                JsonNode account = account(e.getKey());
                assertEquals(
                    e.getValue(), account.get("balance").asLong(), "balance of " + e.getKey());
                assertEquals(
                    movements.get(e.getKey()),
                    account.get("transactions").size(),
                    "movements of " + e.getKey());
              }
            });
  }

  @Test
  void an_accountant_lists_every_worker_account_with_its_balance_and_a_worker_may_not() {
    String accountant = tokens.get("counter");
    await()
        .atMost(TIMEOUT)
        .pollInterval(Duration.ofMillis(200))
        .untilAsserted(
            () -> {
              Http.Response list = http.get("/api/accounts", accountant);
              assertEquals(200, list.status(), list.body());
              Map<String, Long> listed = new HashMap<>();
              list.json()
                  .forEach(a -> listed.put(a.get("login").asText(), a.get("balance").asLong()));
              for (String w : workers) {
                Http.Response account = http.get("/api/accounts/" + ids.get(w), admin);
                assertEquals(200, account.status(), account.body());
                long balance = account.json().get("balance").asLong();
                assertEquals(balance, listed.get(w), "balance of " + w + " in the list");
              }
              assertFalse(listed.containsKey("counter"), "only workers and accounts with money");
            });
    Http.Response refused = http.get("/api/accounts", tokens.get(workers.get(0)));
    assertEquals(403, refused.status());
    assertEquals("application/problem+json", refused.contentType());
  }

  @Test
  void ledgers_follow_the_task_topics_exactly_once_and_the_day_closes_once() throws Exception {
    // a scenario of creates, a shuffle and completions
    int assignments = 0;
    int completions = 0;
    Map<String, String> titles = new HashMap<>();
    for (int i = 0; i < 12; i++) {
      JsonNode t = createTask("Ledger task " + i);
      titles.put(t.get("taskId").asText(), t.get("title").asText());
      assignments++;
    }
    await()
        .atMost(TIMEOUT)
        .until(() -> http.get("/api/tasks?assignee=all&status=open", admin).json().size() == 12);
    Http.Response shuffled = http.post("/api/tasks/shuffle", admin, "");
    assertEquals(200, shuffled.status(), shuffled.body());
    assignments += shuffled.json().get("reassigned").asInt();
    for (String w : workers) {
      List<String> open = new ArrayList<>();
      await()
          .atMost(TIMEOUT)
          .untilAsserted(
              () -> {
                open.clear();
                http.get("/api/tasks?status=open", tokens.get(w))
                    .json()
                    .forEach(t -> open.add(t.get("taskId").asText()));
                // the read model has caught up with the shuffle once every task shows assignment
                // 2's assignee
              });
      for (int k = 0; k < open.size() / 2; k++) {
        Http.Response done =
            http.post("/api/tasks/" + open.get(k) + "/complete", tokens.get(w), "");
        if (done.status() == 200) completions++;
      }
    }

    // every worker's balance equals the recomputation, and the audit log names each task
    Map<String, Long> expected = expectedBalances(assignments, completions);
    Map<String, Integer> movements = movementCounts(assignments, completions);
    awaitBalances(expected, movements);
    for (String userId : expected.keySet()) {
      for (JsonNode tx : account(userId).get("transactions")) {
        String title = titles.get(tx.get("taskId").asText());
        assertTrue(tx.get("description").asText().contains(title), tx.toString());
      }
    }
    int transactionsBefore = all(Topics.TRANSACTION_CREATED, assignments + completions).size();
    assertEquals(assignments + completions, transactionsBefore);

    // a worker reads their own account, not another's
    Http.Response mine = http.get("/api/accounts/me", tokens.get("worker1"));
    assertEquals(200, mine.status());
    assertEquals(ids.get("worker1"), mine.json().get("userId").asText());
    assertEquals(
        403, http.get("/api/accounts/" + ids.get("worker2"), tokens.get("worker1")).status());
    assertEquals(
        200, http.get("/api/accounts/" + ids.get("worker2"), tokens.get("counter")).status());

    // earnings of today = fees − rewards booked today
    LocalDate today = LocalDate.now(ZoneOffset.UTC);
    long expectedEarnings =
        all(Topics.TRANSACTION_CREATED, transactionsBefore).stream()
            .filter(e -> e.data().get("billingDate").asText().equals(today.toString()))
            .mapToLong(
                e ->
                    switch (e.data().get("type").asText()) {
                      case "assignment_fee" -> e.data().get("amount").asLong();
                      case "completion_reward" -> -e.data().get("amount").asLong();
                      default -> 0L;
                    })
            .sum();
    await()
        .atMost(TIMEOUT)
        .untilAsserted(
            () -> {
              Http.Response earnings =
                  http.get(
                      "/api/accounting/earnings?from=" + today + "&to=" + today,
                      tokens.get("counter"));
              assertEquals(200, earnings.status(), earnings.body());
              assertEquals(
                  expectedEarnings, earnings.json().get(0).get("managementEarnings").asLong());
            });
    assertEquals(
        403,
        http.get("/api/accounting/earnings?from=" + today + "&to=" + today, tokens.get("worker1"))
            .status());

    // re-reading every task topic from offset 0 changes no balance and creates no transaction
    node.stop();
    resetToZero(Topics.TASK_ASSIGNED);
    resetToZero(Topics.TASK_COMPLETED);
    node = startNode();
    admin = http.login("admin", TestInfra.ADMIN_PASSWORD);
    for (String topic : List.of(Topics.TASK_ASSIGNED, Topics.TASK_COMPLETED)) {
      ConsumerLag.awaitCaughtUp(
          infra.kafkaBootstrap(),
          setup.topic(AccountingConsumers.tasksGroup(topic)),
          setup.topic(topic),
          TIMEOUT);
    }
    awaitBalances(expected, movements);
    assertEquals(transactionsBefore, all(Topics.TRANSACTION_CREATED, transactionsBefore).size());

    // make sure one worker is in the plus and one in the minus, from the same API
    Map<String, Long> balances = new TreeMap<>(expected);
    for (int i = 0;
        i < 60
            && !(balances.values().stream().anyMatch(b -> b > 0)
                && balances.values().stream().anyMatch(b -> b < 0));
        i++) {
      JsonNode t = createTask("Top-up " + i);
      String assignee = t.get("assigneeId").asText();
      balances.merge(assignee, -t.get("assignFee").asLong(), Long::sum);
      String richest =
          balances.entrySet().stream().max(Map.Entry.comparingByValue()).orElseThrow().getKey();
      if (assignee.equals(richest)) {
        String login =
            ids.entrySet().stream()
                .filter(e -> e.getValue().equals(assignee))
                .findFirst()
                .orElseThrow()
                .getKey();
        assertEquals(
            200,
            http.post("/api/tasks/" + t.get("taskId").asText() + "/complete", tokens.get(login), "")
                .status());
        balances.merge(assignee, t.get("completionReward").asLong(), Long::sum);
      }
    }
    Map<String, Long> finalBalances = balances;
    await()
        .atMost(TIMEOUT)
        .untilAsserted(
            () -> {
              for (var e : finalBalances.entrySet())
                assertEquals(e.getValue(), account(e.getKey()).get("balance").asLong());
            });
    Map<String, Long> positive =
        finalBalances.entrySet().stream()
            .filter(e -> e.getValue() > 0)
            .collect(Collectors.toMap(Map.Entry::getKey, Map.Entry::getValue));
    assertTrue(
        !positive.isEmpty() && positive.size() < finalBalances.size(),
        "a worker in the plus and one in the minus: " + finalBalances);

    // closing the day pays each positive balance once; a second close answers the same and moves
    // nothing
    Http.Response close = http.post("/api/accounting/billing-cycles/close", admin, "{}");
    assertEquals(200, close.status(), close.body());
    assertEquals(today.toString(), close.json().get("date").asText());
    assertEquals(positive, payouts(close.json()));
    Http.Response again =
        http.post("/api/accounting/billing-cycles/close", admin, "{\"date\":\"" + today + "\"}");
    assertEquals(close.json(), again.json());
    assertEquals(
        403,
        http.post("/api/accounting/billing-cycles/close", tokens.get("counter"), "{}").status());

    await()
        .atMost(TIMEOUT)
        .untilAsserted(
            () -> {
              for (var e : finalBalances.entrySet()) {
                long after = account(e.getKey()).get("balance").asLong();
                assertEquals(
                    e.getValue() > 0 ? 0 : e.getValue(), after, "after close: " + e.getKey());
              }
            });
    // one payout transaction per paid worker on Kafka, one email each with the amount
    List<EventEnvelope> payoutEvents =
        TopicReader.readUntil(
                infra.kafkaBootstrap(),
                setup.topic(Topics.TRANSACTION_CREATED),
                TIMEOUT,
                rs ->
                    rs.stream()
                            .map(r -> EventJson.decode(r.value()))
                            .filter(e -> e.data().get("type").asText().equals("payout"))
                            .count()
                        >= positive.size())
            .stream()
            .map(r -> EventJson.decode(r.value()))
            .filter(e -> e.data().get("type").asText().equals("payout"))
            .toList();
    assertEquals(
        positive.keySet(),
        payoutEvents.stream()
            .map(e -> e.data().get("accountId").asText())
            .collect(Collectors.toSet()));
    assertEquals(
        positive.size(),
        payoutEvents.stream().map(e -> e.data().get("transactionId").asText()).distinct().count());
    assertTrue(smtp.waitForIncomingEmail(TimeUnit.SECONDS.toMillis(30), positive.size()));
    MimeMessage[] mails = smtp.getReceivedMessages();
    assertEquals(positive.size(), mails.length);
    for (MimeMessage mail : mails) {
      String to = mail.getAllRecipients()[0].toString();
      String login = to.substring(0, to.indexOf('@'));
      long amount = positive.get(ids.get(login));
      assertTrue(
          GreenMailUtil.getBody(mail).contains(Money.format(amount)), GreenMailUtil.getBody(mail));
    }
  }

  private Map<String, Long> payouts(JsonNode result) {
    Map<String, Long> paid = new HashMap<>();
    result
        .get("payouts")
        .forEach(p -> paid.put(p.get("userId").asText(), p.get("amount").asLong()));
    return paid;
  }

  private Map<String, Integer> movementCounts(int assignments, int completions) {
    Map<String, Integer> count = new HashMap<>();
    for (EventEnvelope e : all(Topics.TASK_ASSIGNED, assignments))
      count.merge(e.data().get("assigneeId").asText(), 1, Integer::sum);
    for (EventEnvelope e : all(Topics.TASK_COMPLETED, completions))
      count.merge(e.data().get("assigneeId").asText(), 1, Integer::sum);
    return count;
  }

  private void resetToZero(String topic) throws Exception {
    String group = setup.topic(AccountingConsumers.tasksGroup(topic));
    try (Admin kafka =
        Admin.create(
            Map.<String, Object>of(
                AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, infra.kafkaBootstrap()))) {
      Map<TopicPartition, OffsetAndMetadata> zero = new HashMap<>();
      int partitions =
          kafka
              .describeTopics(List.of(setup.topic(topic)))
              .allTopicNames()
              .get()
              .get(setup.topic(topic))
              .partitions()
              .size();
      for (int p = 0; p < partitions; p++)
        zero.put(new TopicPartition(setup.topic(topic), p), new OffsetAndMetadata(0));
      await()
          .atMost(TIMEOUT)
          .ignoreExceptions()
          .untilAsserted(
              () -> kafka.alterConsumerGroupOffsets(group, zero).all().get(10, TimeUnit.SECONDS));
    }
  }
}
