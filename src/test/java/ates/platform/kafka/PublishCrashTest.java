package ates.platform.kafka;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ates.contract.EventEnvelope;
import ates.contract.EventJson;
import ates.contract.Topics;
import ates.platform.db.ServiceDatabase;
import ates.testing.ConsumerLag;
import ates.testing.Http;
import ates.testing.IntegrationTest;
import ates.testing.NodeProcess;
import ates.testing.Rows;
import ates.testing.TestInfra;
import ates.testing.TopicReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;

/**
 * A node killed with SIGKILL while its publisher hands big groups of journal events to Kafka: after
 * a restart every journal event of every task is on Kafka at least once, a copy published again
 * carries its first copy's eventId and data, and per task the first copies come in journal order
 * (assignment numbers rising along the partition). The journal in the tasks database is the truth
 * the topics are checked against.
 */
@IntegrationTest
class PublishCrashTest {

  private static final int TASKS = 600;
  private static final Duration SETTLE = Duration.ofSeconds(180);
  private static final Pattern PUBLISHED_ASSIGNED =
      Pattern.compile("ates_events_published_total\\{topic=\"TaskAssigned\"} ([0-9.E]+)");

  @Test
  void a_publisher_killed_mid_group_leaves_every_event_once_in_order_on_kafka() throws Exception {
    TestInfra infra = TestInfra.get();
    TestInfra.NodeSetup setup = infra.newNode();
    Path log = Path.of("target", "publish-crash-node.log");
    int httpPort = TestInfra.freePort();
    int managementPort = TestInfra.freePort();
    Map<String, String> env =
        infra.nodeEnvironment(setup, "identity,tasks", httpPort, managementPort);

    NodeProcess node = NodeProcess.start(env, httpPort, managementPort, log);
    Http http = new Http(httpPort);
    Http management = new Http(managementPort);
    String admin = http.login("admin", TestInfra.ADMIN_PASSWORD);
    List<String> workers = new ArrayList<>();
    for (int i = 1; i <= 3; i++) {
      workers.add(http.createUser(admin, "worker" + i, "worker").get("userId").asText());
    }
    ConsumerLag.awaitConsumed(
        infra.kafkaBootstrap(),
        setup.topic("tasks-users"),
        setup.topic(Topics.USERS),
        workers,
        Duration.ofSeconds(60));

    // given tasks with several assignments each
    List<String> taskIds = createTasks(http, admin);
    // a shuffle moves the tasks its read model lists
    await()
        .atMost(Duration.ofSeconds(120))
        .pollInterval(Duration.ofMillis(500))
        .until(() -> http.get("/api/tasks?assignee=all&status=open", admin).json().size() == TASKS);
    for (int i = 0; i < 2; i++) {
      Http.Response shuffled = http.post("/api/tasks/shuffle", admin, "");
      assertEquals(200, shuffled.status(), shuffled.body());
    }
    // when the node is killed while a third shuffle's assignments are being published
    double before = publishedAssignments(management);
    CompletableFuture<HttpResponse<String>> shuffle = shuffleAsync(httpPort, admin);
    await()
        .atMost(Duration.ofSeconds(60))
        .pollInterval(Duration.ofMillis(10))
        .until(() -> publishedAssignments(management) > before + TASKS / 4.0);
    node.kill();
    shuffle.handle((r, e) -> null).join();

    node = NodeProcess.start(env, httpPort, managementPort, log);
    try {
      // then, once publishing has settled, Kafka holds the journal
      Map<String, Integer> assignments = assignmentsInJournal(infra, setup);
      assertEquals(Set.copyOf(taskIds), assignments.keySet());
      List<ConsumerRecord<String, byte[]>> created =
          TopicReader.readUntil(
              infra.kafkaBootstrap(),
              setup.topic(Topics.TASK_CREATED),
              SETTLE,
              records -> keys(records).containsAll(taskIds));
      List<ConsumerRecord<String, byte[]>> assigned =
          TopicReader.readUntil(
              infra.kafkaBootstrap(),
              setup.topic(Topics.TASK_ASSIGNED),
              SETTLE,
              records -> numbersByTask(records).equals(expectedNumbers(assignments)));

      int copies = assertCopiesCarryTheirFirstEventId(created);
      copies += assertCopiesCarryTheirFirstEventId(assigned);
      assertFirstCopiesInJournalOrder(assigned);
      System.out.printf(
          "%d assignments journaled, %.0f published by the restarted node, %d copies%n",
          assignments.values().stream().mapToInt(Integer::intValue).sum(),
          publishedAssignments(management),
          copies);
      assertTrue(
          assignments.values().stream().allMatch(n -> n >= 3),
          "every task was assigned at least three times");

      // and the restarted node reports the lag of its consumer group and its publisher
      await()
          .atMost(Duration.ofSeconds(30))
          .pollInterval(Duration.ofMillis(250))
          .untilAsserted(() -> assertLagSeries(management.get("/metrics", null).body(), setup));
    } finally {
      node.stop();
    }
  }

  private static void assertLagSeries(String metrics, TestInfra.NodeSetup setup) {
    String group = Pattern.quote(setup.topic("tasks-users"));
    String users = Pattern.quote(setup.topic(Topics.USERS));
    Pattern consumerLag =
        Pattern.compile(
            "ates_consumer_lag\\{group=\""
                + group
                + "\",partition=\"\\d+\",topic=\""
                + users
                + "\"} 0\\.0");
    assertTrue(consumerLag.matcher(metrics).find(), "consumer lag of tasks-users\n" + metrics);
    assertTrue(
        metrics.contains("ates_projection_lag_seconds{projection=\"publish-"),
        "publisher lag\n" + metrics);
    assertTrue(
        metrics.contains("ates_projection_events_total{projection=\"publish-"),
        "publisher events\n" + metrics);
  }

  /** Per task, the TaskAssigned events its journal holds: all its events but its creation. */
  private static Map<String, Integer> assignmentsInJournal(
      TestInfra infra, TestInfra.NodeSetup setup) {
    try (ServiceDatabase tasks =
        ServiceDatabase.open(
            "tasks",
            infra.postgresServerUrl() + "/" + setup.databasePrefix() + "tasks",
            "postgres",
            "",
            2)) {
      Map<String, Integer> assignments = new HashMap<>();
      for (Map<String, Object> row :
          Rows.query(
              tasks,
              "SELECT persistence_id, count(*) AS events FROM event_journal"
                  + " WHERE persistence_id LIKE 'Task|%' GROUP BY persistence_id")) {
        String taskId = ((String) row.get("persistence_id")).substring("Task|".length());
        assignments.put(taskId, ((Number) row.get("events")).intValue() - 1);
      }
      return assignments;
    }
  }

  private static Map<String, Set<Integer>> expectedNumbers(Map<String, Integer> assignments) {
    Map<String, Set<Integer>> expected = new HashMap<>();
    assignments.forEach(
        (task, n) ->
            expected.put(task, IntStream.rangeClosed(1, n).boxed().collect(Collectors.toSet())));
    return expected;
  }

  private static Map<String, Set<Integer>> numbersByTask(
      List<ConsumerRecord<String, byte[]>> records) {
    Map<String, Set<Integer>> numbers = new HashMap<>();
    for (ConsumerRecord<String, byte[]> r : records) {
      numbers
          .computeIfAbsent(r.key(), k -> new HashSet<>())
          .add(EventJson.decode(r.value()).data().get("assignmentNo").asInt());
    }
    return numbers;
  }

  private static Set<String> keys(List<ConsumerRecord<String, byte[]>> records) {
    return records.stream().map(ConsumerRecord::key).collect(Collectors.toSet());
  }

  /**
   * Every copy of an eventId is the same event under the same key, and no journal event went out
   * under two eventIds. Returns the number of copies beyond the first.
   */
  private static int assertCopiesCarryTheirFirstEventId(
      List<ConsumerRecord<String, byte[]>> records) {
    Map<UUID, EventEnvelope> first = new HashMap<>();
    Map<UUID, String> keyOf = new HashMap<>();
    Map<String, UUID> idOfEvent = new HashMap<>();
    int copies = 0;
    for (ConsumerRecord<String, byte[]> r : inPartitionOrder(records)) {
      EventEnvelope e = EventJson.decode(r.value());
      EventEnvelope original = first.putIfAbsent(e.eventId(), e);
      if (original != null) {
        copies++;
        assertEquals(original, e, "copy of " + e.eventId());
        assertEquals(keyOf.get(e.eventId()), r.key(), "key of " + e.eventId());
      }
      keyOf.putIfAbsent(e.eventId(), r.key());
      String event = r.key() + "/" + e.eventName() + "/" + e.data().path("assignmentNo").asInt();
      UUID id = idOfEvent.putIfAbsent(event, e.eventId());
      assertTrue(id == null || id.equals(e.eventId()), event + " published as two eventIds");
    }
    return copies;
  }

  /** Per task, the first copies of its assignments follow each other in journal order. */
  private static void assertFirstCopiesInJournalOrder(
      List<ConsumerRecord<String, byte[]>> records) {
    Set<UUID> seen = new HashSet<>();
    Map<String, Integer> last = new HashMap<>();
    for (ConsumerRecord<String, byte[]> r : inPartitionOrder(records)) {
      EventEnvelope e = EventJson.decode(r.value());
      if (!seen.add(e.eventId())) continue;
      int n = e.data().get("assignmentNo").asInt();
      int previous = last.getOrDefault(r.key(), 0);
      assertEquals(previous + 1, n, r.key() + " at " + r.partition() + "@" + r.offset());
      last.put(r.key(), n);
    }
  }

  private static List<ConsumerRecord<String, byte[]>> inPartitionOrder(
      List<ConsumerRecord<String, byte[]>> records) {
    List<ConsumerRecord<String, byte[]>> sorted = new ArrayList<>(records);
    sorted.sort(
        Comparator.comparingInt((ConsumerRecord<String, byte[]> r) -> r.partition())
            .thenComparingLong(ConsumerRecord::offset));
    return sorted;
  }

  private static CompletableFuture<HttpResponse<String>> shuffleAsync(int httpPort, String token) {
    URI shuffle = URI.create("http://127.0.0.1:" + httpPort + "/api/tasks/shuffle");
    return HttpClient.newHttpClient()
        .sendAsync(
            HttpRequest.newBuilder(shuffle)
                .header("Authorization", "Bearer " + token)
                .POST(HttpRequest.BodyPublishers.noBody())
                .build(),
            HttpResponse.BodyHandlers.ofString());
  }

  private static double publishedAssignments(Http management) {
    Matcher m = PUBLISHED_ASSIGNED.matcher(management.get("/metrics", null).body());
    return m.find() ? Double.parseDouble(m.group(1)) : 0;
  }

  private static List<String> createTasks(Http http, String token) {
    ExecutorService pool = Executors.newFixedThreadPool(8);
    try {
      List<CompletableFuture<String>> futures = new ArrayList<>();
      for (int i = 0; i < TASKS; i++) {
        String body = "{\"title\":\"Publish crash " + i + "\",\"description\":\"\"}";
        futures.add(
            CompletableFuture.supplyAsync(
                () -> {
                  Http.Response r = http.post("/api/tasks", token, body);
                  assertEquals(201, r.status(), r.body());
                  return r.json().get("taskId").asText();
                },
                pool));
      }
      return futures.stream().map(CompletableFuture::join).toList();
    } finally {
      pool.shutdown();
    }
  }
}
