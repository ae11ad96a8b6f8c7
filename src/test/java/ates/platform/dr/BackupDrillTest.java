package ates.platform.dr;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ates.contract.Topics;
import ates.testing.CommandProcess;
import ates.testing.EmbeddedDefaultNode;
import ates.testing.Http;
import ates.testing.IntegrationTest;
import ates.testing.NodeProcess;
import ates.testing.TestInfra;
import ates.testing.TopicReader;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.stream.Stream;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;

/**
 * The backup drill of issue 12, on the Quick start's embedded default in a JVM of its own: after a
 * scenario, a backup is taken while tasks are being created; then everything is wiped (the data
 * directory: PostgreSQL and Kafka), restored with {@code restore}, and a node started on the
 * restored databases and an empty Kafka republishes the journals. Every user logs in, every task is
 * as it was in the backup (all acknowledged before it began, none acknowledged after it ended),
 * each balance equals the fees and rewards of the restored tasks, analytics agrees with accounting,
 * and the republished events keep their original eventIds.
 */
@IntegrationTest
class BackupDrillTest {

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Duration TIMEOUT = Duration.ofSeconds(120);

  /** How long the restored node may take to republish and catch up, on a loaded CI machine. */
  private static final Duration CATCH_UP = Duration.ofMinutes(5);

  private static final int LOAD_RATE = 50;
  private static final Path LOG = Path.of("target", "backup-drill.log");

  @Test
  void backup_under_load_wipe_restore_republish() throws Exception {
    Path data = Files.createTempDirectory("ates-drill-data-");
    Path backup = Files.createTempDirectory("ates-drill-backup-").resolve("b1");
    EmbeddedDefaultNode node = EmbeddedDefaultNode.on(data);
    Map<String, String> env = node.environment();
    NodeProcess process = NodeProcess.start(env, node.httpPort(), node.managementPort(), LOG);
    Http http = new Http(node.httpPort());

    // given a scenario: workers, tasks, completions
    String admin = http.login("admin", TestInfra.ADMIN_PASSWORD);
    List<String> logins = new ArrayList<>();
    Map<String, String> workerTokens = new HashMap<>();
    for (int i = 1; i <= 4; i++) {
      String login = "drillworker" + i;
      logins.add(login);
      String id = http.createUser(admin, login, "worker").get("userId").asText();
      await().atMost(TIMEOUT).ignoreExceptions().until(() -> http.login(login) != null);
      workerTokens.put(id, http.login(login));
    }
    await()
        .atMost(TIMEOUT)
        .until(() -> http.post("/api/tasks", admin, task("warm-up")).status() == 201);
    List<JsonNode> scenario = new ArrayList<>();
    for (int i = 0; i < 20; i++)
      scenario.add(created(http.post("/api/tasks", admin, task("s" + i))));
    for (int i = 0; i < scenario.size(); i += 2) {
      JsonNode t = scenario.get(i);
      Http.Response done =
          http.post(
              "/api/tasks/" + t.get("taskId").asText() + "/complete",
              workerTokens.get(t.get("assigneeId").asText()),
              "");
      assertEquals(200, done.status(), done.body());
    }

    // when a backup is taken while tasks are being created
    Map<String, Long> acknowledgedAt = new ConcurrentHashMap<>();
    AtomicBoolean loading = new AtomicBoolean(true);
    Thread load =
        new Thread(
            () -> {
              // an open model at LOAD_RATE creates/s: the restored node then has a bounded
              // journal to republish, whatever the speed of the machine
              long period = 1_000_000_000L / LOAD_RATE;
              long next = System.nanoTime();
              int n = 0;
              while (loading.get()) {
                JsonNode t = created(http.post("/api/tasks", admin, task("load" + n++)));
                acknowledgedAt.put(t.get("taskId").asText(), System.nanoTime());
                next += period;
                LockSupport.parkNanos(next - System.nanoTime());
              }
            });
    load.start();
    await().atMost(TIMEOUT).until(() -> acknowledgedAt.size() >= 10);
    long backupStart = System.nanoTime();
    CommandProcess.Result backupRun = CommandProcess.run(env, LOG, "backup", backup.toString());
    long backupEnd = System.nanoTime();
    int atBackupEnd = acknowledgedAt.size();
    await().atMost(TIMEOUT).until(() -> acknowledgedAt.size() >= atBackupEnd + 10);
    loading.set(false);
    load.join();
    assertEquals(0, backupRun.exitCode(), backupRun.output());
    assertTrue(Files.exists(backup.resolve(Manifest.FILE)), "manifest written");
    JsonNode manifest = JSON.readTree(backup.resolve(Manifest.FILE).toFile());
    assertEquals(4, manifest.get("databases").size(), manifest.toString());

    // the tasks as they are now, and the eventIds the original Kafka holds
    List<String> allTaskIds = new ArrayList<>(acknowledgedAt.keySet());
    scenario.forEach(t -> allTaskIds.add(t.get("taskId").asText()));
    Map<String, JsonNode> before = new HashMap<>();
    for (String id : allTaskIds) before.put(id, http.get("/api/tasks/" + id, admin).json());
    Map<String, String> originalEventIds = taskCreatedEventIds(env, allTaskIds.size());
    process.stop();

    // wipe everything: PostgreSQL and Kafka data
    deleteRecursively(data);
    assertFalse(Files.exists(data));

    long recoveryStart = System.nanoTime();
    CommandProcess.Result restoreRun = CommandProcess.run(env, LOG, "restore", backup.toString());
    assertEquals(0, restoreRun.exitCode(), restoreRun.output());
    System.out.printf(
        "BACKUP DRILL: backup %d ms, restore %d ms (command wall clock, JVM start included)%n",
        backupRun.millis(), restoreRun.millis());

    process = NodeProcess.start(env, node.httpPort(), node.managementPort(), LOG);
    try {
      // then every user can log in
      String admin2 = http.login("admin", TestInfra.ADMIN_PASSWORD);
      for (String login : logins) http.login(login);

      // every task as at the backup point
      int restored = 0;
      for (String id : allTaskIds) {
        Http.Response r = http.get("/api/tasks/" + id, admin2);
        Long ackAt = acknowledgedAt.get(id);
        boolean mustExist = ackAt == null || ackAt < backupStart;
        boolean mustNotExist = ackAt != null && ackAt > backupEnd;
        if (mustExist) assertEquals(200, r.status(), "acknowledged before the backup: " + id);
        if (mustNotExist) assertEquals(404, r.status(), "acknowledged after the backup: " + id);
        if (r.status() == 200) {
          restored++;
          JsonNode was = before.get(id);
          JsonNode is = r.json();
          assertEquals(was.get("status"), is.get("status"), id);
          assertEquals(was.get("assigneeId"), is.get("assigneeId"), id);
          assertEquals(was.get("assignFee"), is.get("assignFee"), id);
        }
      }
      assertTrue(restored < allTaskIds.size(), "tasks after the backup are not restored");

      // every balance equals the fees and rewards of the restored tasks, once republished
      int restoredTasks = restored + 1; // the warm-up task
      System.out.printf(
          "BACKUP DRILL: %d tasks restored of %d acknowledged%n", restoredTasks, allTaskIds.size());
      Http management = new Http(node.managementPort());
      AtomicLong reports = new AtomicLong();
      await()
          .atMost(CATCH_UP)
          .pollInterval(Duration.ofSeconds(1))
          .conditionEvaluationListener(
              c -> {
                // every 30 s of waiting, the lag that is left
                if (!c.isSatisfied() && c.getElapsedTimeInMS() / 30_000 > reports.get()) {
                  reports.incrementAndGet();
                  lagReport(management);
                }
              })
          .untilAsserted(
              () -> {
                JsonNode tasks = http.get("/api/tasks?assignee=all", admin2).json();
                assertEquals(restoredTasks, tasks.size(), "tasks read model");
                Map<String, Long> expected = new HashMap<>();
                long completed = 0;
                for (JsonNode t : tasks) {
                  long delta = -t.get("assignFee").asLong();
                  if (t.get("status").asText().equals("done")) {
                    delta += t.get("completionReward").asLong();
                    completed++;
                  }
                  expected.merge(t.get("assigneeId").asText(), delta, Long::sum);
                }
                long negative = 0;
                for (String worker : workerTokens.keySet()) {
                  long balance =
                      http.get("/api/accounts/" + worker, admin2).json().get("balance").asLong();
                  assertEquals(expected.getOrDefault(worker, 0L), balance, "balance of " + worker);
                  if (balance < 0) negative++;
                }
                // analytics agrees with accounting
                LocalDate today = LocalDate.now(ZoneOffset.UTC);
                long earnings =
                    http.get("/api/accounting/earnings?from=" + today + "&to=" + today, admin2)
                        .json()
                        .get(0)
                        .get("managementEarnings")
                        .asLong();
                JsonNode dashboard = http.get("/api/analytics/dashboard", admin2).json();
                assertEquals(
                    earnings,
                    dashboard.get("managementEarnings").asLong(),
                    () -> "earnings; " + diagnostics(http, admin2, management, today));
                assertEquals(negative, dashboard.get("negativeBalanceWorkers").asLong());
                assertEquals(completed, dashboard.get("completedTasks").asLong());
                assertNotEquals(0, earnings);
              });

      System.out.printf(
          "BACKUP DRILL: from restore start to a node serving the restored state, republished and"
              + " caught up: %d ms%n",
          (System.nanoTime() - recoveryStart) / 1_000_000);

      // the republished events keep their original eventIds
      Map<String, String> republished = taskCreatedEventIds(env, restoredTasks);
      for (var e : republished.entrySet()) {
        if (originalEventIds.containsKey(e.getKey()))
          assertEquals(originalEventIds.get(e.getKey()), e.getValue(), "eventId of " + e.getKey());
      }

      // restore refuses databases that are no longer empty
      CommandProcess.Result again = CommandProcess.run(env, LOG, "restore", backup.toString());
      assertNotEquals(0, again.exitCode());
      assertTrue(again.output().contains("--force"), again.output());
    } finally {
      process.stop();
    }
  }

  /**
   * What a failed catch-up leaves to read in CI's short output: the reconciliation of the day (the
   * analytics database's figures next to the topics') and the lag that is left.
   */
  private static String diagnostics(Http http, String admin, Http management, LocalDate today) {
    StringBuilder out = new StringBuilder();
    try {
      JsonNode r = http.get("/api/admin/reconciliation?date=" + today, admin).json();
      out.append("reconciliation ok=")
          .append(r.path("ok"))
          .append(" checked=")
          .append(r.path("checked"))
          .append(" mismatches=")
          .append(r.path("mismatches").size())
          .append(' ')
          .append(
              r.path("mismatches").toString(),
              0,
              Math.min(600, r.path("mismatches").toString().length()));
      management
          .get("/metrics", null)
          .body()
          .lines()
          .filter(l -> l.startsWith("ates_consumer_lag{") || l.startsWith("ates_projection_lag"))
          .filter(l -> !l.endsWith(" 0.0"))
          .forEach(l -> out.append("; ").append(l));
    } catch (RuntimeException e) {
      out.append("diagnostics unreadable: ").append(e);
    }
    return out.toString();
  }

  /** The node's consumer and projection lag, printed while the drill waits for a catch-up. */
  private static void lagReport(Http management) {
    try {
      management
          .get("/metrics", null)
          .body()
          .lines()
          .filter(l -> l.startsWith("ates_consumer_lag{") || l.startsWith("ates_projection_lag"))
          .filter(l -> !l.endsWith(" 0.0"))
          .forEach(l -> System.out.println("BACKUP DRILL lag: " + l));
    } catch (RuntimeException e) {
      System.out.println("BACKUP DRILL lag: /metrics unreadable: " + e);
    }
  }

  private static String task(String title) {
    return "{\"title\":\"Drill " + title + "\",\"description\":\"\"}";
  }

  private static JsonNode created(Http.Response r) {
    if (r.status() != 201) throw new AssertionError("create failed: " + r);
    return r.json();
  }

  /** TaskCreated's eventId per task id (record key), read from the node's embedded Kafka. */
  private static Map<String, String> taskCreatedEventIds(Map<String, String> env, int atLeast) {
    List<ConsumerRecord<String, byte[]>> records =
        TopicReader.readUntil(
            "127.0.0.1:" + env.get("ATES_KAFKA_PORT"),
            Topics.TASK_CREATED,
            TIMEOUT,
            rs -> rs.stream().map(ConsumerRecord::key).distinct().count() >= atLeast);
    Map<String, String> ids = new HashMap<>();
    for (ConsumerRecord<String, byte[]> r : records) {
      try {
        ids.putIfAbsent(r.key(), JSON.readTree(r.value()).get("eventId").asText());
      } catch (IOException e) {
        throw new AssertionError(e);
      }
    }
    return ids;
  }

  private static void deleteRecursively(Path dir) throws IOException {
    try (Stream<Path> paths = Files.walk(dir)) {
      for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) Files.delete(p);
    }
  }
}
