package ates.platform;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ates.Main;
import ates.platform.HostileRequests.Probe;
import ates.platform.HostileRequests.TaskRef;
import ates.testing.Answer;
import ates.testing.Http;
import ates.testing.IntegrationTest;
import ates.testing.TestInfra;
import ates.testing.Wire;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;
import java.util.TreeMap;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.awaitility.core.ConditionTimeoutException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * Ten thousand hostile requests (a seeded {@link HostileRequests}) against one node running every
 * service, with users of every role and a few tasks. Every answer must be a 2xx or a 4xx (a 501
 * only for a method or transfer coding HTTP does not know), every 4xx an {@code
 * application/problem+json} whose {@code status} is the HTTP status, every answer within a second;
 * a request invalid by construction must not get a 2xx, and the state read through the API (users,
 * tasks, accounts, earnings, analytics) must be the same after the fuzzing as before.
 *
 * <p>{@code -Dates.fuzz.seed=} and {@code -Dates.fuzz.requests=} replay or widen a run; a failure
 * lists each defect once per kind of request, with the first request that showed it.
 */
@IntegrationTest
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class HostileInputFuzzTest {

  private static final long SEED = Long.getLong("ates.fuzz.seed", 20261126L);
  private static final int REQUESTS = Integer.getInteger("ates.fuzz.requests", 10_000);
  private static final Duration ANSWER_WITHIN = Duration.ofSeconds(1);

  /** How long one request may hang before it counts as unanswered. */
  private static final Duration GIVE_UP_AFTER = Duration.ofSeconds(3);

  /** A kind of request this often slower than ANSWER_WITHIN is not sent again (it is reported). */
  private static final int SLOW_ANSWERS_BEFORE_SKIPPING = 3;

  private static final Duration FUZZING_BUDGET = Duration.ofSeconds(150);
  private static final Duration SETTLE = Duration.ofSeconds(60);

  /** Requests in flight at once (the node shares two cores with the test). */
  private static final int SENDERS = 3;

  private static final List<String> USERS = List.of("manager", "accountant", "worker1", "worker2");

  private AtesNode node;
  private Http http;
  private Wire wire;
  private String admin;
  private HostileRequests.Fixture fixture;
  private final LocalDate today = LocalDate.now(ZoneOffset.UTC);
  private final ObjectMapper mapper = new ObjectMapper();

  @BeforeAll
  void start() {
    TestInfra infra = TestInfra.get();
    node = AtesNode.start(infra.nodeConfig(infra.newNode(), "all"), Main.services());
    http = new Http(node.httpPort());
    wire = new Wire(node.httpPort(), GIVE_UP_AFTER);
    admin = http.login("admin", TestInfra.ADMIN_PASSWORD);

    Map<String, String> tokens = new LinkedHashMap<>();
    Map<String, String> ids = new LinkedHashMap<>();
    tokens.put("admin", admin);
    ids.put("admin", http.get("/api/users/me", admin).json().get("userId").asText());
    for (String user : USERS) {
      String role = user.startsWith("worker") ? "worker" : user;
      ids.put(user, http.createUser(admin, "fz" + user, role).get("userId").asText());
      tokens.put(user, http.login("fz" + user));
      Http.Response me = http.get("/api/users/me", tokens.get(user));
      assertEquals(200, me.status(), "a fresh token works: " + me);
      assertEquals(role, me.json().get("role").asText());
    }
    fixture = new HostileRequests.Fixture(tokens, ids, createTasks(tokens, ids), today);
  }

  @AfterAll
  void stop() {
    if (node != null) node.stop();
  }

  /** Three tasks by the manager, the first completed by its assignee. */
  private List<TaskRef> createTasks(Map<String, String> tokens, Map<String, String> ids) {
    List<TaskRef> tasks = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      String body =
          "{\"title\":\"Fuzz fixture "
              + i
              + "\",\"jiraId\":\"FUZZ-"
              + i
              + "\",\"description\":\"A task to aim at\"}";
      AtomicReference<Http.Response> created = new AtomicReference<>();
      // 409 until the tasks service has learned of a worker
      await()
          .atMost(SETTLE)
          .pollInterval(Duration.ofMillis(200))
          .until(
              () -> {
                created.set(http.post("/api/tasks", tokens.get("manager"), body));
                return created.get().status() == 201;
              });
      JsonNode task = created.get().json();
      String assigneeId = task.get("assigneeId").asText();
      String assignee =
          ids.entrySet().stream()
              .filter(e -> e.getValue().equals(assigneeId))
              .findFirst()
              .orElseThrow()
              .getKey();
      tasks.add(new TaskRef(task.get("taskId").asText(), assignee, false));
    }
    TaskRef first = tasks.get(0);
    Http.Response done =
        http.post("/api/tasks/" + first.taskId() + "/complete", tokens.get(first.assignee()), "");
    assertEquals(200, done.status(), done.body());
    tasks.set(0, new TaskRef(first.taskId(), first.assignee(), true));
    return tasks;
  }

  @Test
  void every_documented_operation_is_fuzzed() throws Exception {
    JsonNode spec;
    try (InputStream in = getClass().getResourceAsStream("/openapi.yaml")) {
      spec = new ObjectMapper(new YAMLFactory()).readTree(in);
    }
    List<String> documented = new ArrayList<>();
    spec.get("paths")
        .fields()
        .forEachRemaining(
            path ->
                path.getValue()
                    .fieldNames()
                    .forEachRemaining(
                        method -> documented.add(method.toUpperCase() + " " + path.getKey())));
    List<String> fuzzed = new HostileRequests(SEED, fixture).operations();
    List<String> missing = documented.stream().filter(op -> !fuzzed.contains(op)).toList();
    assertEquals(
        List.of(), missing, "documented operations without a generator in HostileRequests");
  }

  @Test
  void hostile_requests_get_problems_fast_and_change_nothing() throws InterruptedException {
    Map<String, String> before = settledSnapshot();
    HostileRequests requests = new HostileRequests(SEED, fixture);
    Defects defects = new Defects();
    Map<String, Integer> slowByKind = new ConcurrentHashMap<>();
    PriorityQueue<String[]> slowest =
        new PriorityQueue<>(Comparator.comparingLong(s -> Long.parseLong(s[0])));
    AtomicInteger sent = new AtomicInteger();
    int skipped = 0;
    long started = System.nanoTime();
    // the probes come in the seed's order from this thread; a few senders keep the node busy
    ExecutorService senders =
        new ThreadPoolExecutor(
            SENDERS,
            SENDERS,
            0,
            TimeUnit.SECONDS,
            new ArrayBlockingQueue<>(SENDERS * 4),
            new ThreadPoolExecutor.CallerRunsPolicy());
    for (int i = 0; i < REQUESTS; i++) {
      Probe probe = requests.next();
      if (slowByKind.getOrDefault(probe.kind(), 0) >= SLOW_ANSWERS_BEFORE_SKIPPING) {
        skipped++;
        continue;
      }
      if (Duration.ofNanos(System.nanoTime() - started).compareTo(FUZZING_BUDGET) > 0) {
        defects.add(
            "fuzzing ran out of its " + FUZZING_BUDGET.toSeconds() + " s budget",
            probe,
            Answer.none("not sent", Duration.ZERO),
            i);
        break;
      }
      int index = i;
      senders.execute(
          () -> {
            Answer answer =
                probe.raw() != null
                    ? wire.raw(probe.raw())
                    : wire.send(probe.method(), probe.target(), probe.headers(), probe.body());
            sent.incrementAndGet();
            check(index, probe, answer, defects);
            if (answer.elapsed().compareTo(ANSWER_WITHIN) > 0)
              slowByKind.merge(probe.kind(), 1, Integer::sum);
            synchronized (slowest) {
              slowest.add(
                  new String[] {
                    Long.toString(answer.elapsed().toMillis()),
                    "#" + index + " " + probe.kind() + " -> " + answer.status()
                  });
              if (slowest.size() > 5) slowest.poll();
            }
          });
    }
    senders.shutdown();
    assertTrue(senders.awaitTermination(60, TimeUnit.SECONDS), "senders finish");
    Duration took = Duration.ofNanos(System.nanoTime() - started);
    compareState(before, defects);

    List<String[]> top = new ArrayList<>(slowest);
    top.sort(Comparator.comparingLong((String[] s) -> Long.parseLong(s[0])).reversed());
    StringBuilder report =
        new StringBuilder()
            .append(
                String.format(
                    "seed %d: %d requests sent, %d skipped (kinds slow %d times), in %d s (%.0f requests/s)%n",
                    SEED,
                    sent.get(),
                    skipped,
                    SLOW_ANSWERS_BEFORE_SKIPPING,
                    took.toSeconds(),
                    sent.get() / Math.max(0.001, took.toMillis() / 1000.0)))
            .append("slowest answers:\n");
    top.forEach(s -> report.append("  ").append(s[0]).append(" ms ").append(s[1]).append('\n'));
    report.append(defects.report());
    System.out.println(report);
    assertTrue(defects.isEmpty(), report.toString());
    assertTrue(sent.get() >= 10_000 || REQUESTS < 10_000, "sent " + sent);
  }

  /** The server's body limit (64 KiB). */
  private static final int MAX_BODY = 64 * 1024;

  private void check(int index, Probe probe, Answer answer, Defects defects) {
    int status = answer.status();
    if (status == 0) {
      // The server answers a body over the limit with 413 and closes the connection at once; a
      // client still writing the rest of the body may then see a reset instead of the answer.
      boolean resetWhileSendingTooMuch =
          probe.body() != null
              && probe.body().length > MAX_BODY
              && new String(answer.body(), StandardCharsets.UTF_8).startsWith("connection failed");
      if (!resetWhileSendingTooMuch) defects.add("no answer", probe, answer, index);
      return;
    }
    boolean success = status >= 200 && status < 300;
    boolean clientError = status >= 400 && status < 500;
    boolean notImplemented = status == 501 && probe.may501();
    if (!success && !clientError && !notImplemented)
      defects.add("status " + status, probe, answer, index);
    if (clientError || notImplemented) {
      answer
          .problemDefect(!"HEAD".equals(probe.method()))
          .ifPresent(
              defect ->
                  defects.add(
                      status + " not a problem: " + defect.replaceAll("'[^']*'", "'…'"),
                      probe,
                      answer,
                      index));
    }
    if (success && probe.mustReject())
      defects.add("invalid request accepted with " + status, probe, answer, index);
    if (answer.elapsed().compareTo(ANSWER_WITHIN) > 0)
      defects.add("slower than " + ANSWER_WITHIN.toMillis() + " ms", probe, answer, index);
  }

  // ---- state -----------------------------------------------------------------------------------

  /** The state once the fixture's events have reached every read model and nothing moves. */
  private Map<String, String> settledSnapshot() {
    long fees = 0;
    long rewards = 0;
    for (TaskRef t : fixture.tasks()) {
      JsonNode task = http.get("/api/tasks/" + t.taskId(), admin).json();
      fees += task.get("assignFee").asLong();
      if (t.done()) rewards += task.get("completionReward").asLong();
    }
    long earnings = fees - rewards;
    await()
        .atMost(SETTLE)
        .pollInterval(Duration.ofMillis(250))
        .untilAsserted(
            () -> {
              JsonNode dashboard = http.get("/api/analytics/dashboard?date=" + today, admin).json();
              assertEquals(
                  earnings,
                  dashboard.get("managementEarnings").asLong(),
                  "analytics: " + dashboard);
              assertEquals(1, dashboard.get("completedTasks").asLong(), "analytics: " + dashboard);
              JsonNode rows =
                  http.get("/api/accounting/earnings?from=" + today + "&to=" + today, admin).json();
              assertEquals(
                  earnings, rows.get(0).get("managementEarnings").asLong(), "accounting: " + rows);
              assertEquals(3, http.get("/api/tasks?assignee=all", admin).json().size());
              assertEquals(USERS.size() + 1, http.get("/api/users", admin).json().size());
            });
    AtomicReference<Map<String, String>> last = new AtomicReference<>(snapshot());
    await()
        .atMost(SETTLE)
        .during(Duration.ofMillis(1500))
        .pollInterval(Duration.ofMillis(300))
        .until(
            () -> {
              Map<String, String> now = snapshot();
              return now.equals(last.getAndSet(now));
            });
    return last.get();
  }

  /** Users, tasks, accounts, earnings and analytics as the API shows them to an admin. */
  private Map<String, String> snapshot() {
    Map<String, String> state = new TreeMap<>();
    state.put("users", sorted(http.get("/api/users", admin), "userId"));
    state.put("tasks", sorted(http.get("/api/tasks?assignee=all", admin), "taskId"));
    fixture
        .userIds()
        .forEach(
            (user, id) ->
                state.put(
                    "account of " + user,
                    plain(http.get("/api/accounts/" + id + "?limit=500", admin))));
    fixture
        .tokens()
        .forEach(
            (user, token) -> state.put("me of " + user, plain(http.get("/api/users/me", token))));
    state.put(
        "earnings",
        plain(
            http.get(
                "/api/accounting/earnings?from=" + today.minusDays(30) + "&to=" + today.plusDays(1),
                admin)));
    state.put("dashboard", plain(http.get("/api/analytics/dashboard?date=" + today, admin)));
    state.put(
        "daily",
        plain(http.get("/api/analytics/daily?from=" + today.minusDays(7) + "&to=" + today, admin)));
    state.put(
        "most expensive",
        plain(http.get("/api/analytics/most-expensive-task?period=month", admin)));
    return state;
  }

  private void compareState(Map<String, String> before, Defects defects) {
    try {
      // "during": a change still on its way to a read model shows up within these seconds
      await()
          .atMost(Duration.ofSeconds(10))
          .during(Duration.ofSeconds(3))
          .pollInterval(Duration.ofMillis(500))
          .until(() -> snapshot().equals(before));
    } catch (ConditionTimeoutException e) {
      Map<String, String> after = snapshot();
      before.forEach(
          (key, was) -> {
            String now = after.get(key);
            if (!was.equals(now))
              defects.addState(
                  key
                      + " changed:\n      before: "
                      + abbreviate(was)
                      + "\n      after:  "
                      + abbreviate(now));
          });
    }
  }

  private String sorted(Http.Response r, String idField) {
    if (r.status() != 200) return plain(r);
    List<JsonNode> items = new ArrayList<>();
    r.json().forEach(items::add);
    items.sort(Comparator.comparing(n -> n.get(idField).asText()));
    ArrayNode array = mapper.createArrayNode();
    items.forEach(array::add);
    return "200 " + array;
  }

  private static String plain(Http.Response r) {
    return r.status() + " " + r.body();
  }

  private static String abbreviate(String s) {
    return s == null ? "null" : s.length() <= 600 ? s : s.substring(0, 600) + "…";
  }

  /** Defects by what is wrong and the kind of request, each with its count and first example. */
  private static final class Defects {
    private final Map<String, Integer> counts = new TreeMap<>();
    private final Map<String, String> examples = new HashMap<>();
    private final List<String> state = new ArrayList<>();

    synchronized void add(String what, Probe probe, Answer answer, int index) {
      // answers that are only badly formatted are grouped by operation, the rest by kind of request
      String key =
          what + "  <-  " + (what.contains("not a problem") ? probe.operation() : probe.kind());
      counts.merge(key, 1, Integer::sum);
      examples.putIfAbsent(key, "#" + index + " " + probe.describe() + "\n      -> " + answer);
    }

    synchronized void addState(String change) {
      state.add(change);
    }

    synchronized boolean isEmpty() {
      return counts.isEmpty() && state.isEmpty();
    }

    synchronized String report() {
      if (isEmpty()) return "no defects\n";
      StringBuilder out = new StringBuilder();
      Map<String, Integer> byWhat = new TreeMap<>();
      counts.forEach(
          (key, n) -> byWhat.merge(key.substring(0, key.indexOf("  <-  ")), n, Integer::sum));
      out.append("defects (")
          .append(counts.values().stream().mapToInt(Integer::intValue).sum())
          .append(" answers):\n");
      byWhat.forEach(
          (what, n) -> out.append("  ").append(n).append(" x ").append(what).append('\n'));
      out.append("by kind of request, with the first example:\n");
      counts.forEach(
          (key, n) ->
              out.append("  ")
                  .append(n)
                  .append(" x ")
                  .append(key)
                  .append("\n      ")
                  .append(examples.get(key))
                  .append('\n'));
      if (!state.isEmpty()) {
        out.append("the state changed:\n");
        state.forEach(s -> out.append("  ").append(s).append('\n'));
      }
      return out.toString();
    }
  }
}
