package ates.accounting;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ates.contract.EventEnvelope;
import ates.contract.EventJson;
import ates.contract.Topics;
import ates.testing.ConsumerLag;
import ates.testing.Http;
import ates.testing.IntegrationTest;
import ates.testing.NodeProcess;
import ates.testing.TestInfra;
import ates.testing.TopicReader;
import com.fasterxml.jackson.databind.JsonNode;
import com.icegreen.greenmail.util.GreenMail;
import com.icegreen.greenmail.util.ServerSetup;
import jakarta.mail.internet.MimeMessage;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * A node killed with SIGKILL in the middle of closing a billing day: after a restart the close
 * completes by itself, every worker in the plus is paid exactly once, nobody is skipped, and each
 * gets exactly one email.
 */
@IntegrationTest
class BillingCrashTest {

  private static final int WORKERS = 40;
  private static final Duration TIMEOUT = Duration.ofSeconds(90);

  @Test
  void a_close_cut_by_sigkill_completes_after_restart_paying_each_worker_once() throws Exception {
    TestInfra infra = TestInfra.get();
    TestInfra.NodeSetup setup = infra.newNode();
    GreenMail smtp =
        new GreenMail(
            new ServerSetup(TestInfra.freePort(), "127.0.0.1", ServerSetup.PROTOCOL_SMTP));
    smtp.start();
    Path log = Path.of("target", "billing-crash-node.log");
    int httpPort = TestInfra.freePort();
    int managementPort = TestInfra.freePort();
    Map<String, String> env =
        new HashMap<>(
            infra.nodeEnvironment(setup, "identity,tasks,accounting", httpPort, managementPort));
    env.put("ATES_SMTP_HOST", "127.0.0.1");
    env.put("ATES_SMTP_PORT", Integer.toString(smtp.getSmtp().getPort()));
    // one account at a time, so that the kill lands in the middle of the close
    env.put("ATES_CLOSE_PARALLELISM", "1");
    String jdbcUrl = infra.postgresServerUrl() + "/" + setup.databasePrefix() + "accounting";
    String today = LocalDate.now(ZoneOffset.UTC).toString();

    NodeProcess node = NodeProcess.start(env, httpPort, managementPort, log);
    try {
      Http http = new Http(httpPort);
      String admin = http.login("admin", TestInfra.ADMIN_PASSWORD);
      Map<String, String> tokenOf = new HashMap<>();
      for (int i = 0; i < WORKERS; i++) {
        String login = "worker" + i;
        tokenOf.put(
            http.createUser(admin, login, "worker").get("userId").asText(), http.login(login));
      }
      ConsumerLag.awaitConsumed(
          infra.kafkaBootstrap(),
          setup.topic("tasks-users"),
          setup.topic(Topics.USERS),
          tokenOf.keySet(),
          TIMEOUT);

      // every task completed by its assignee: each assignee ends in the plus (reward >= fee)
      Map<String, Long> expected = new HashMap<>();
      for (int i = 0; i < 120; i++) {
        JsonNode t =
            http.post("/api/tasks", admin, "{\"title\":\"Close " + i + "\",\"description\":\"\"}")
                .json();
        String assignee = t.get("assigneeId").asText();
        Http.Response done =
            http.post(
                "/api/tasks/" + t.get("taskId").asText() + "/complete", tokenOf.get(assignee), "");
        assertEquals(200, done.status(), done.body());
        expected.merge(
            assignee, t.get("completionReward").asLong() - t.get("assignFee").asLong(), Long::sum);
      }
      Map<String, Long> positive =
          expected.entrySet().stream()
              .filter(e -> e.getValue() > 0)
              .collect(Collectors.toMap(Map.Entry::getKey, Map.Entry::getValue));
      String adminBefore = admin;
      await()
          .atMost(TIMEOUT)
          .untilAsserted(
              () -> {
                for (var e : expected.entrySet()) {
                  assertEquals(
                      e.getValue(),
                      http.get("/api/accounts/" + e.getKey(), adminBefore)
                          .json()
                          .get("balance")
                          .asLong());
                }
              });

      // close today, and kill the node once the first accounts are settled
      CompletableFuture<HttpResponse<String>> close =
          HttpClient.newHttpClient()
              .sendAsync(
                  HttpRequest.newBuilder(
                          URI.create(
                              "http://127.0.0.1:"
                                  + httpPort
                                  + "/api/accounting/billing-cycles/close"))
                      .header("Authorization", "Bearer " + admin)
                      .header("Content-Type", "application/json")
                      .POST(HttpRequest.BodyPublishers.ofString("{}"))
                      .build(),
                  HttpResponse.BodyHandlers.ofString());
      await()
          .atMost(TIMEOUT)
          .pollInterval(Duration.ofMillis(5))
          .until(() -> billingEvents(jdbcUrl, today) >= 4);
      node.kill();
      assertFalse(finished(jdbcUrl, today), "the kill landed in the middle of the close");
      assertTrue(
          close.handle((r, e) -> e != null || r.statusCode() != 200).join(),
          "the close was cut short");

      // after a restart the close completes by itself
      node = NodeProcess.start(env, httpPort, managementPort, log);
      await()
          .atMost(TIMEOUT)
          .pollInterval(Duration.ofMillis(200))
          .until(() -> finished(jdbcUrl, today));
      admin = http.login("admin", TestInfra.ADMIN_PASSWORD);
      Http.Response again = http.post("/api/accounting/billing-cycles/close", admin, "{}");
      assertEquals(200, again.status(), again.body());
      Map<String, Long> paid = new HashMap<>();
      again
          .json()
          .get("payouts")
          .forEach(p -> paid.put(p.get("userId").asText(), p.get("amount").asLong()));
      assertEquals(positive, paid, "each worker in the plus paid their balance, nobody skipped");
      String adminToken = admin;
      await()
          .atMost(TIMEOUT)
          .untilAsserted(
              () -> {
                for (String userId : expected.keySet()) {
                  assertEquals(
                      0,
                      http.get("/api/accounts/" + userId, adminToken)
                          .json()
                          .get("balance")
                          .asLong());
                }
              });

      // exactly one payout per paid worker on Kafka (republished copies share one eventId)
      List<EventEnvelope> payouts =
          TopicReader.readUntil(
                  infra.kafkaBootstrap(),
                  setup.topic(Topics.TRANSACTION_CREATED),
                  TIMEOUT,
                  rs ->
                      rs.stream()
                              .map(r -> EventJson.decode(r.value()))
                              .filter(e -> e.data().get("type").asText().equals("payout"))
                              .map(e -> e.data().get("accountId").asText())
                              .collect(Collectors.toSet())
                              .size()
                          == positive.size())
              .stream()
              .map(r -> EventJson.decode(r.value()))
              .filter(e -> e.data().get("type").asText().equals("payout"))
              .toList();
      Map<String, List<EventEnvelope>> byAccount =
          payouts.stream().collect(Collectors.groupingBy(e -> e.data().get("accountId").asText()));
      assertEquals(positive.keySet(), byAccount.keySet());
      byAccount.forEach(
          (account, events) -> {
            assertEquals(
                1,
                events.stream().map(e -> e.data().get("transactionId").asText()).distinct().count(),
                account);
            assertEquals(
                1, events.stream().map(EventEnvelope::eventId).distinct().count(), account);
            assertEquals(positive.get(account), events.get(0).data().get("amount").asLong());
          });

      // one email each
      await().atMost(TIMEOUT).until(() -> pendingMails(jdbcUrl) == 0);
      assertTrue(smtp.waitForIncomingEmail(30_000, positive.size()));
      MimeMessage[] mails = smtp.getReceivedMessages();
      Map<String, Long> perRecipient = new HashMap<>();
      for (MimeMessage m : mails)
        perRecipient.merge(m.getAllRecipients()[0].toString(), 1L, Long::sum);
      assertEquals(positive.size(), perRecipient.size());
      perRecipient.forEach((to, n) -> assertEquals(1L, n, "mails to " + to));
    } finally {
      node.stop();
      smtp.stop();
    }
  }

  private static long billingEvents(String jdbcUrl, String date) throws Exception {
    return count(
        jdbcUrl,
        "SELECT count(*) FROM event_journal WHERE persistence_id = 'BillingDay|" + date + "'");
  }

  private static boolean finished(String jdbcUrl, String date) throws Exception {
    return count(
            jdbcUrl,
            "SELECT count(*) FROM billing_runs WHERE billing_date = DATE '"
                + date
                + "' AND status = 'closed'")
        == 1;
  }

  private static long pendingMails(String jdbcUrl) throws Exception {
    return count(jdbcUrl, "SELECT count(*) FROM mail_outbox WHERE status <> 'sent'");
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
