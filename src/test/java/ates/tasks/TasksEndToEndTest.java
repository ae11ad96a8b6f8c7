package ates.tasks;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ates.Main;
import ates.contract.EventEnvelope;
import ates.contract.EventJson;
import ates.contract.Topics;
import ates.contract.events.UserRoleChangedV1;
import ates.platform.AtesNode;
import ates.testing.ConsumerLag;
import ates.testing.Http;
import ates.testing.IntegrationTest;
import ates.testing.TestInfra;
import ates.testing.TopicReader;
import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.function.Predicate;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * The task tracker end to end on one node running identity and tasks: HTTP in, the real Postgres
 * and Kafka, the contract's topics out, read with Kafka's own consumer.
 */
@IntegrationTest
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class TasksEndToEndTest {

  private static final Duration TIMEOUT = Duration.ofSeconds(60);

  private TestInfra infra;
  private TestInfra.NodeSetup setup;
  private AtesNode node;
  private Http http;
  private String admin;
  private final Map<String, String> tokens = new HashMap<>(); // login -> token
  private final Map<String, String> ids = new HashMap<>(); // login -> userId
  private final List<String> workers = List.of("worker1", "worker2", "worker3", "worker4");

  @BeforeAll
  void start() {
    infra = TestInfra.get();
    setup = infra.newNode();
    node = AtesNode.start(infra.nodeConfig(setup, "identity,tasks"), Main.services());
    http = new Http(node.httpPort());
    admin = http.login("admin", TestInfra.ADMIN_PASSWORD);
    ids.put("admin", http.get("/api/users/me", admin).json().get("userId").asText());
    tokens.put("admin", admin);
    createUser("boss", "manager");
    createUser("counter", "accountant");
    workers.forEach(w -> createUser(w, "worker"));
    awaitTasksKnowUsers();
  }

  @AfterAll
  void stop() {
    if (node != null) node.stop();
  }

  private void createUser(String login, String role) {
    ids.put(login, http.createUser(admin, login, role).get("userId").asText());
    tokens.put(login, http.login(login));
  }

  private void awaitTasksKnowUsers() {
    ConsumerLag.awaitConsumed(
        infra.kafkaBootstrap(),
        setup.topic(WorkerDirectory.CONSUMER_GROUP),
        setup.topic(Topics.USERS),
        workers.stream().map(ids::get).toList(),
        TIMEOUT);
  }

  private JsonNode createTask(String token, String title) {
    Http.Response r =
        http.post("/api/tasks", token, "{\"title\":\"" + title + "\",\"description\":\"do it\"}");
    assertEquals(201, r.status(), r.body());
    return r.json();
  }

  private List<EventEnvelope> events(String topic, Predicate<List<EventEnvelope>> done) {
    return TopicReader.readUntil(
            infra.kafkaBootstrap(),
            setup.topic(topic),
            TIMEOUT,
            records -> done.test(records.stream().map(r -> EventJson.decode(r.value())).toList()))
        .stream()
        .map(r -> EventJson.decode(r.value()))
        .toList();
  }

  private static Set<String> taskIds(List<EventEnvelope> events) {
    return events.stream().map(e -> e.data().get("taskId").asText()).collect(Collectors.toSet());
  }

  @Test
  void the_tracker_scenario() {
    Set<String> workerIds = workers.stream().map(ids::get).collect(Collectors.toSet());
    List<String> creators =
        List.of("admin", "boss", "counter", "worker1", "worker2", "worker3", "worker4");

    // 50 tasks created by users of every role
    Map<String, JsonNode> tasks = new HashMap<>();
    for (int i = 0; i < 50; i++) {
      String creator = creators.get(i % creators.size());
      JsonNode t = createTask(tokens.get(creator), "Task " + i);
      assertTrue(workerIds.contains(t.get("assigneeId").asText()), "assigned to a worker: " + t);
      long fee = t.get("assignFee").asLong();
      long reward = t.get("completionReward").asLong();
      assertTrue(fee >= 1000 && fee <= 2000, "fee " + fee);
      assertTrue(reward >= 2000 && reward <= 4000, "reward " + reward);
      assertEquals("open", t.get("status").asText());
      assertEquals(ids.get(creator), t.get("createdBy").asText());
      tasks.put(t.get("taskId").asText(), t);
    }

    // each has exactly one TaskCreated and one TaskAssigned #1 on Kafka
    List<EventEnvelope> created =
        events(Topics.TASK_CREATED, es -> taskIds(es).containsAll(tasks.keySet()));
    List<EventEnvelope> assigned =
        events(Topics.TASK_ASSIGNED, es -> taskIds(es).containsAll(tasks.keySet()));
    for (String taskId : tasks.keySet()) {
      List<EventEnvelope> c =
          created.stream().filter(e -> e.data().get("taskId").asText().equals(taskId)).toList();
      List<EventEnvelope> a =
          assigned.stream().filter(e -> e.data().get("taskId").asText().equals(taskId)).toList();
      assertEquals(1, c.size(), "one TaskCreated for " + taskId);
      assertEquals(1, a.size(), "one TaskAssigned for " + taskId);
      assertEquals(1, a.get(0).data().get("assignmentNo").asInt());
      assertEquals("created", a.get(0).data().get("reason").asText());
      assertEquals(
          tasks.get(taskId).get("assigneeId").asText(), a.get(0).data().get("assigneeId").asText());
      assertEquals(
          tasks.get(taskId).get("assignFee").asLong(), a.get(0).data().get("assignFee").asLong());
      assertEquals(
          tasks.get(taskId).get("completionReward").asLong(),
          c.get(0).data().get("completionReward").asLong());
    }

    // a worker sees exactly their own open tasks
    String w1 = ids.get("worker1");
    Set<String> w1Open =
        tasks.values().stream()
            .filter(t -> t.get("assigneeId").asText().equals(w1))
            .map(t -> t.get("taskId").asText())
            .collect(Collectors.toSet());
    await()
        .atMost(TIMEOUT)
        .untilAsserted(() -> assertEquals(w1Open, listIds(tokens.get("worker1"), "?status=open")));
    assertProblem(http.get("/api/tasks?assignee=all", tokens.get("worker1")), 403);

    // w1 completes one: a TaskCompleted with the task's reward
    String mine = w1Open.iterator().next();
    Http.Response done = http.post("/api/tasks/" + mine + "/complete", tokens.get("worker1"), "");
    assertEquals(200, done.status(), done.body());
    assertEquals("done", done.json().get("status").asText());
    assertProblem(http.post("/api/tasks/" + mine + "/complete", tokens.get("worker1"), ""), 409);
    String notMine =
        tasks.values().stream()
            .filter(t -> !t.get("assigneeId").asText().equals(w1))
            .map(t -> t.get("taskId").asText())
            .findFirst()
            .orElseThrow();
    assertProblem(http.post("/api/tasks/" + notMine + "/complete", tokens.get("worker1"), ""), 403);
    assertProblem(http.post("/api/tasks/shuffle", tokens.get("worker1"), ""), 403);
    assertProblem(http.post("/api/tasks/shuffle", tokens.get("counter"), ""), 403);
    EventEnvelope completed =
        events(Topics.TASK_COMPLETED, es -> taskIds(es).contains(mine)).stream()
            .filter(e -> e.data().get("taskId").asText().equals(mine))
            .findFirst()
            .orElseThrow();
    assertEquals(
        tasks.get(mine).get("completionReward").asLong(),
        completed.data().get("completionReward").asLong());
    assertEquals(w1, completed.data().get("assigneeId").asText());

    // a manager shuffles: every open task exactly one new assignment, the done task none
    await()
        .atMost(TIMEOUT)
        .untilAsserted(
            () -> assertFalse(listIds(admin, "?assignee=all&status=open").contains(mine)));
    Http.Response shuffled = http.post("/api/tasks/shuffle", tokens.get("boss"), "");
    assertEquals(200, shuffled.status(), shuffled.body());
    assertEquals(49, shuffled.json().get("reassigned").asInt());
    Set<String> open = new HashSet<>(tasks.keySet());
    open.remove(mine);
    List<EventEnvelope> afterShuffle =
        events(
            Topics.TASK_ASSIGNED,
            es ->
                es.stream()
                    .filter(e -> e.data().get("assignmentNo").asInt() == 2)
                    .map(e -> e.data().get("taskId").asText())
                    .collect(Collectors.toSet())
                    .containsAll(open));
    for (String taskId : tasks.keySet()) {
      List<EventEnvelope> a =
          afterShuffle.stream()
              .filter(e -> e.data().get("taskId").asText().equals(taskId))
              .toList();
      if (taskId.equals(mine)) {
        assertEquals(1, a.size(), "a done task never moves");
      } else {
        assertEquals(2, a.size(), "exactly one new assignment for " + taskId);
        JsonNode second = a.get(1).data();
        assertEquals(2, second.get("assignmentNo").asInt());
        assertEquals("shuffle", second.get("reason").asText());
        assertTrue(workerIds.contains(second.get("assigneeId").asText()));
        assertEquals(
            a.get(0).data().get("assigneeId").asText(), second.get("previousAssigneeId").asText());
      }
    }

    // managers, accountants and admins never receive tasks
    for (EventEnvelope e : afterShuffle) {
      if (!taskIds(List.of(e)).stream().anyMatch(tasks::containsKey)) continue;
      assertTrue(workerIds.contains(e.data().get("assigneeId").asText()));
    }

    // a worker promoted to manager receives none afterwards
    String promoted = ids.get("worker4");
    Http.Response role =
        http.put("/api/users/" + promoted + "/role", admin, "{\"role\":\"manager\"}");
    assertEquals(200, role.status(), role.body());
    // the change must be on the topic before "the tasks service has read everything" means it
    events(
        Topics.USERS,
        es ->
            es.stream()
                .anyMatch(
                    e ->
                        e.eventName().equals(UserRoleChangedV1.NAME)
                            && e.data().get("userId").asText().equals(promoted)));
    awaitTasksKnowUsers();
    Set<String> later = new HashSet<>();
    for (int i = 0; i < 30; i++) {
      JsonNode t = createTask(admin, "After promotion " + i);
      assertFalse(t.get("assigneeId").asText().equals(promoted), "the promoted worker got " + t);
      later.add(t.get("taskId").asText());
    }
    await()
        .atMost(TIMEOUT)
        .untilAsserted(
            () -> assertTrue(listIds(admin, "?assignee=all&status=open").containsAll(later)));
    assertEquals(200, http.post("/api/tasks/shuffle", admin, "").status());
    List<EventEnvelope> finalAssignments =
        events(
            Topics.TASK_ASSIGNED,
            es ->
                es.stream()
                        .filter(
                            e ->
                                later.contains(e.data().get("taskId").asText())
                                    && e.data().get("assignmentNo").asInt() == 2)
                        .count()
                    == later.size());
    for (EventEnvelope e : finalAssignments) {
      if (later.contains(e.data().get("taskId").asText())
          || e.data().get("assignmentNo").asInt() == 3) {
        assertFalse(
            e.data().get("assigneeId").asText().equals(promoted), "after promotion: " + e.data());
      }
    }
  }

  @Test
  void bad_task_input_gets_a_problem_naming_the_field() {
    Http.Response brackets =
        http.post("/api/tasks", admin, "{\"title\":\"[POP-1] Feed\",\"description\":\"x\"}");
    assertProblem(brackets, 400);
    assertTrue(brackets.json().get("detail").asText().contains("title"));
    Http.Response nul =
        http.post("/api/tasks", admin, "{\"title\":\"a\\u0000b\",\"description\":\"x\"}");
    assertProblem(nul, 400);
    assertTrue(nul.json().get("detail").asText().contains("title"));
    Http.Response noTitle = http.post("/api/tasks", admin, "{\"description\":\"x\"}");
    assertProblem(noTitle, 400);
    assertTrue(noTitle.json().get("detail").asText().contains("title"));
    Http.Response longTitle =
        http.post(
            "/api/tasks", admin, "{\"title\":\"" + "x".repeat(201) + "\",\"description\":\"x\"}");
    assertProblem(longTitle, 400);
    Http.Response badJira =
        http.post(
            "/api/tasks", admin, "{\"title\":\"Feed\",\"jiraId\":\"[x]\",\"description\":\"x\"}");
    assertProblem(badJira, 400);
    assertTrue(badJira.json().get("detail").asText().contains("jiraId"));
    Http.Response withJira =
        http.post(
            "/api/tasks",
            admin,
            "{\"title\":\"Feed\",\"jiraId\":\"POP-42\",\"description\":\"x\"}");
    assertEquals(201, withJira.status());
    assertEquals("POP-42", withJira.json().get("jiraId").asText());
    assertProblem(http.get("/api/tasks/" + UUID.randomUUID(), admin), 404);
    assertProblem(http.get("/api/tasks?status=later", admin), 400);
  }

  @Test
  void without_workers_creating_and_shuffling_are_conflicts() {
    TestInfra.NodeSetup empty = infra.newNode();
    AtesNode lonely = AtesNode.start(infra.nodeConfig(empty, "identity,tasks"), Main.services());
    try {
      Http h = new Http(lonely.httpPort());
      String token = h.login("admin", TestInfra.ADMIN_PASSWORD);
      ConsumerLag.awaitCaughtUp(
          infra.kafkaBootstrap(),
          empty.topic(WorkerDirectory.CONSUMER_GROUP),
          empty.topic(Topics.USERS),
          TIMEOUT);
      assertProblem(h.post("/api/tasks", token, "{\"title\":\"Feed\",\"description\":\"x\"}"), 409);
      assertProblem(h.post("/api/tasks/shuffle", token, ""), 409);
    } finally {
      lonely.stop();
    }
  }

  private Set<String> listIds(String token, String query) {
    Http.Response r = http.get("/api/tasks" + query, token);
    assertEquals(200, r.status(), r.body());
    Set<String> result = new HashSet<>();
    r.json().forEach(t -> result.add(t.get("taskId").asText()));
    return result;
  }

  private static void assertProblem(Http.Response r, int status) {
    assertEquals(status, r.status(), r.body());
    assertTrue(r.contentType().startsWith("application/problem+json"), r.contentType());
  }

  @Test
  void a_create_retried_with_its_idempotency_key_answers_the_first_task_even_after_a_restart() {
    String body = "{\"title\":\"Retry me\",\"description\":\"once\"}";
    Map<String, String> key = Map.of("Idempotency-Key", "retry-" + UUID.randomUUID());
    Http.Response first = http.post("/api/tasks", tokens.get("boss"), body, key);
    assertEquals(201, first.status(), first.body());
    Http.Response again = http.post("/api/tasks", tokens.get("boss"), body, key);
    assertEquals(201, again.status(), again.body());
    assertEquals(first.json(), again.json(), "the first answer: same task, assignee and prices");

    Http.Response otherBody =
        http.post("/api/tasks", tokens.get("boss"), body.replace("once", "twice"), key);
    assertProblem(otherBody, 422);
    Http.Response otherCaller = http.post("/api/tasks", tokens.get("admin"), body, key);
    assertEquals(201, otherCaller.status(), otherCaller.body());
    assertNotEquals(
        first.json().get("taskId"), otherCaller.json().get("taskId"), "keys are per caller");
    assertProblem(
        http.post("/api/tasks", tokens.get("boss"), body, Map.of("Idempotency-Key", "has space")),
        400);

    node.stop();
    node = AtesNode.start(infra.nodeConfig(setup, "identity,tasks"), Main.services());
    http = new Http(node.httpPort());
    Http.Response afterRestart = http.post("/api/tasks", tokens.get("boss"), body, key);
    assertEquals(201, afterRestart.status(), afterRestart.body());
    assertEquals(first.json().get("taskId"), afterRestart.json().get("taskId"));
    List<EventEnvelope> created =
        events(
            Topics.TASK_CREATED, all -> taskIds(all).contains(first.json().get("taskId").asText()));
    assertEquals(
        1,
        created.stream()
            .filter(
                e -> e.data().get("taskId").asText().equals(first.json().get("taskId").asText()))
            .map(EventEnvelope::eventId)
            .distinct()
            .count(),
        "one TaskCreated for the retried request");

    // leave no open task behind: the scenario counts the open tasks it shuffles
    for (JsonNode task : List.of(first.json(), otherCaller.json())) {
      String assignee = task.get("assigneeId").asText();
      String login =
          ids.entrySet().stream()
              .filter(e -> e.getValue().equals(assignee))
              .findFirst()
              .orElseThrow()
              .getKey();
      Http.Response done =
          http.post(
              "/api/tasks/" + task.get("taskId").asText() + "/complete", tokens.get(login), "");
      assertEquals(200, done.status(), done.body());
    }
  }
}
