package ates.tasks;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
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
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * A node killed with SIGKILL in the middle of a shuffle: after a restart every task is on its old
 * or its new assignee, and the assignments on Kafka are exactly those of the entities — none lost
 * (each current assignment is published) and none doubled (one eventId per task and number).
 */
@IntegrationTest
class ShuffleCrashTest {

  private static final int TASKS = 1200;
  private static final Pattern PUBLISHED_ASSIGNED =
      Pattern.compile("ates_events_published_total\\{topic=\"TaskAssigned\"} ([0-9.E]+)");

  @Test
  void a_shuffle_cut_by_sigkill_leaves_every_task_on_one_assignee_with_its_events()
      throws Exception {
    TestInfra infra = TestInfra.get();
    TestInfra.NodeSetup setup = infra.newNode();
    Path log = Path.of("target", "shuffle-crash-node.log");
    int httpPort = TestInfra.freePort();
    int managementPort = TestInfra.freePort();
    Map<String, String> env =
        infra.nodeEnvironment(setup, "identity,tasks", httpPort, managementPort);

    NodeProcess node = NodeProcess.start(env, httpPort, managementPort, log);
    Http http = new Http(httpPort);
    String admin = http.login("admin", TestInfra.ADMIN_PASSWORD);
    List<String> workers = new ArrayList<>();
    for (int i = 1; i <= 3; i++) {
      workers.add(http.createUser(admin, "worker" + i, "worker").get("userId").asText());
    }
    ConsumerLag.awaitConsumed(
        infra.kafkaBootstrap(),
        setup.topic(WorkerDirectory.CONSUMER_GROUP),
        setup.topic(Topics.USERS),
        workers,
        Duration.ofSeconds(60));

    List<String> taskIds = createTasks(http, admin);
    await()
        .atMost(Duration.ofSeconds(120))
        .pollInterval(Duration.ofMillis(500))
        .until(() -> http.get("/api/tasks?assignee=all&status=open", admin).json().size() == TASKS);

    // shuffle, and kill the node once the shuffle's assignments are being published
    HttpClient client = HttpClient.newHttpClient();
    CompletableFuture<HttpResponse<String>> shuffle =
        client.sendAsync(
            HttpRequest.newBuilder(
                    URI.create("http://127.0.0.1:" + httpPort + "/api/tasks/shuffle"))
                .header("Authorization", "Bearer " + admin)
                .POST(HttpRequest.BodyPublishers.noBody())
                .build(),
            HttpResponse.BodyHandlers.ofString());
    await()
        .atMost(Duration.ofSeconds(60))
        .pollInterval(Duration.ofMillis(20))
        .until(() -> publishedAssignments(new Http(managementPort)) > TASKS + 20);
    node.kill();
    boolean cutShort = !shuffle.isDone() || shuffle.handle((r, e) -> e != null).join();

    node = NodeProcess.start(env, httpPort, managementPort, log);
    try {
      Map<String, String> assignee = new HashMap<>();
      for (String id : taskIds) {
        Http.Response t = http.get("/api/tasks/" + id, admin);
        assertEquals(200, t.status(), t.body());
        assignee.put(id, t.json().get("assigneeId").asText());
      }
      // wait until the restarted node has published every current assignment
      List<EventEnvelope> assigned =
          TopicReader.readUntil(
                  infra.kafkaBootstrap(),
                  setup.topic(Topics.TASK_ASSIGNED),
                  Duration.ofSeconds(120),
                  records -> {
                    Map<String, String> latest =
                        latestAssignee(
                            records.stream().map(r -> EventJson.decode(r.value())).toList());
                    return assignee.entrySet().stream()
                        .allMatch(e -> e.getValue().equals(latest.get(e.getKey())));
                  })
              .stream()
              .map(r -> EventJson.decode(r.value()))
              .toList();

      int moved = 0;
      for (String id : taskIds) {
        List<EventEnvelope> mine =
            assigned.stream().filter(e -> e.data().get("taskId").asText().equals(id)).toList();
        Map<Integer, Set<String>> idsByNumber = new HashMap<>();
        for (EventEnvelope e : mine) {
          idsByNumber
              .computeIfAbsent(
                  e.data().get("assignmentNo").asInt(), n -> ConcurrentHashMap.newKeySet())
              .add(e.eventId().toString());
        }
        assertTrue(
            Set.of(1).equals(idsByNumber.keySet()) || Set.of(1, 2).equals(idsByNumber.keySet()),
            id + " has assignments " + idsByNumber.keySet());
        idsByNumber.forEach(
            (n, eventIds) ->
                assertEquals(1, eventIds.size(), id + " #" + n + " published as " + eventIds));
        if (idsByNumber.containsKey(2)) moved++;
      }
      assertTrue(moved > 0, "the shuffle had started");
      assertTrue(cutShort || moved == TASKS, "a completed shuffle moved every task");
    } finally {
      node.stop();
    }
  }

  private static Map<String, String> latestAssignee(List<EventEnvelope> events) {
    Map<String, Integer> number = new HashMap<>();
    Map<String, String> latest = new HashMap<>();
    for (EventEnvelope e : events) {
      String task = e.data().get("taskId").asText();
      int n = e.data().get("assignmentNo").asInt();
      if (n >= number.getOrDefault(task, 0)) {
        number.put(task, n);
        latest.put(task, e.data().get("assigneeId").asText());
      }
    }
    return latest;
  }

  private static double publishedAssignments(Http http) {
    Matcher m = PUBLISHED_ASSIGNED.matcher(http.get("/metrics", null).body());
    return m.find() ? Double.parseDouble(m.group(1)) : 0;
  }

  private static List<String> createTasks(Http http, String token) throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(8);
    try {
      List<CompletableFuture<String>> futures = new ArrayList<>();
      for (int i = 0; i < TASKS; i++) {
        int n = i;
        futures.add(
            CompletableFuture.supplyAsync(
                () -> {
                  Http.Response r =
                      http.post(
                          "/api/tasks",
                          token,
                          "{\"title\":\"Crash " + n + "\",\"description\":\"\"}");
                  assertEquals(201, r.status(), r.body());
                  return r.json().get("taskId").asText();
                },
                pool));
      }
      return futures.stream().map(CompletableFuture::join).collect(Collectors.toList());
    } finally {
      pool.shutdown();
    }
  }
}
