package ates.testing;

import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;

/**
 * Steady client load on a cluster, as a careful client sends it: creates at a fixed rate, each with
 * an {@code Idempotency-Key}, spread over every node, and a completion by the assignee for every
 * other created task. A request that meets a refused connection, a timeout or a 503 is retried on
 * the next node (honouring {@code Retry-After}) until it is answered or its deadline passes; a
 * create keeps its key across retries. What the nodes acknowledged is recorded for the checks
 * afterwards, and every request that failed for good is recorded with its reason.
 */
public final class Workload implements AutoCloseable {

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(10);

  private final Supplier<List<Integer>> httpPorts;
  private final UUID creatorId;
  private final String creatorToken;
  private final Map<UUID, String> workerTokens;
  private final Duration deadline;
  private final HttpClient client =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
  private final ScheduledExecutorService ticker = Executors.newSingleThreadScheduledExecutor();
  private final ExecutorService clients = Executors.newFixedThreadPool(24);
  private final AtomicInteger next = new AtomicInteger();
  private final AtomicLong sequence = new AtomicLong();
  private final String run = UUID.randomUUID().toString().substring(0, 8);

  /** Idempotency-Key → task id of every acknowledged create. */
  public final Map<String, UUID> created = new ConcurrentHashMap<>();

  /** When each acknowledged create was answered ({@link System#nanoTime}), by task id. */
  public final Map<UUID, Long> acknowledgedAt = new ConcurrentHashMap<>();

  /** Tasks whose completion was acknowledged. */
  public final Set<UUID> completed = ConcurrentHashMap.newKeySet();

  /** Requests that failed for good, with the reason. */
  public final ConcurrentLinkedQueue<String> failures = new ConcurrentLinkedQueue<>();

  /** Keys of creates that got no answer before their deadline: they may exist or not. */
  public final ConcurrentLinkedQueue<String> unanswered = new ConcurrentLinkedQueue<>();

  /**
   * Sends every unanswered create again with its key, as a client does once the system is back: the
   * key makes sure it exists exactly once afterwards. Returns how many are still unanswered.
   */
  public int resendUnanswered() {
    List<String> keys = List.copyOf(unanswered);
    unanswered.clear();
    for (String key : keys) create(key, httpPorts, false);
    return unanswered.size();
  }

  /** Attempts that were retried (refused connection, timeout, 503). */
  public final AtomicLong retries = new AtomicLong();

  /** 5xx answers other than a 503 with Retry-After (http-api.md allows no other). */
  public final ConcurrentLinkedQueue<String> badServerErrors = new ConcurrentLinkedQueue<>();

  /** When attempts were retried ({@link System#nanoTime}), to time when clients saw a fault. */
  public final ConcurrentLinkedQueue<Long> retryTimes = new ConcurrentLinkedQueue<>();

  private final AtomicInteger inFlight = new AtomicInteger();
  private volatile java.util.concurrent.ScheduledFuture<?> arrivals;

  /**
   * @param httpPorts the HTTP ports of the nodes to spread requests over (read on every attempt)
   * @param creatorId the user who creates tasks (a manager)
   * @param creatorToken that user's token
   * @param workerTokens each worker's token, by user id, for the completions
   * @param deadline how long one request may be retried before it counts as failed
   */
  public Workload(
      Supplier<List<Integer>> httpPorts,
      UUID creatorId,
      String creatorToken,
      Map<UUID, String> workerTokens,
      Duration deadline) {
    this.httpPorts = httpPorts;
    this.creatorId = creatorId;
    this.creatorToken = creatorToken;
    this.workerTokens = Map.copyOf(workerTokens);
    this.deadline = deadline;
  }

  /**
   * The clients of a running cluster: a manager "lead" who creates tasks and {@code workers}
   * workers "popug1".. who complete them, registered through the first running node; returns once
   * every running node has created a task (so each knows the workers). Worker tokens by user id are
   * in {@link #workerTokens()}.
   */
  public static Workload onCluster(LocalCluster cluster, int workers, Duration deadline) {
    Http http = new Http(cluster.up().get(0).httpPort());
    String admin = http.login("admin", TestInfra.ADMIN_PASSWORD);
    // the cluster may still be allocating its shards: creations are retried on 503
    Duration ready = Duration.ofSeconds(60);
    UUID lead =
        UUID.fromString(
            http.createUserRetrying(admin, "lead", "manager", ready).get("userId").asText());
    Map<UUID, String> tokens = new java.util.HashMap<>();
    for (int i = 1; i <= workers; i++) {
      UUID id =
          UUID.fromString(
              http.createUserRetrying(admin, "popug" + i, "worker", ready).get("userId").asText());
      tokens.put(id, http.login("popug" + i));
    }
    Workload workload =
        new Workload(
            () -> cluster.up().stream().map(LocalCluster.Slot::httpPort).toList(),
            lead,
            http.login("lead"),
            tokens,
            deadline);
    for (LocalCluster.Slot slot : cluster.up()) {
      await()
          .atMost(Duration.ofSeconds(60))
          .pollInterval(Duration.ofMillis(250))
          .until(
              () ->
                  workload
                      .create("warm-up-" + slot.index(), () -> List.of(slot.httpPort()), true)
                      .isPresent());
    }
    workload.failures.clear(); // 409 "no worker yet" while the directories filled up
    return workload;
  }

  /** Each worker's token, by user id. */
  public Map<UUID, String> workerTokens() {
    return workerTokens;
  }

  public UUID creatorId() {
    return creatorId;
  }

  /** Starts sending {@code createsPerSecond} creates a second (open model: fixed arrivals). */
  public Workload start(int createsPerSecond) {
    long periodMicros = 1_000_000L / createsPerSecond;
    arrivals =
        ticker.scheduleAtFixedRate(
            () -> submit(this::createOne), 0, periodMicros, TimeUnit.MICROSECONDS);
    return this;
  }

  private void submit(Runnable op) {
    inFlight.incrementAndGet();
    clients.execute(
        () -> {
          try {
            op.run();
          } catch (RuntimeException e) {
            failures.add("client error: " + e);
          } finally {
            inFlight.decrementAndGet();
          }
        });
  }

  /**
   * Stops new requests and waits for the ones in flight to be answered or to fail for good; {@link
   * #start} may send again afterwards.
   */
  public void stop() {
    if (arrivals != null) arrivals.cancel(false);
    await()
        .atMost(deadline.plusSeconds(30))
        .pollInterval(Duration.ofMillis(100))
        .until(() -> inFlight.get() == 0);
  }

  /**
   * Has every acknowledged task that is not done yet completed by its current assignee, and waits
   * for the answers (the clients must be stopped). Keeps the open tasks, which each shuffle moves,
   * to the ones created since. Returns how many were open when called.
   */
  public int completeOpenTasks() {
    Set<UUID> open = new java.util.HashSet<>(created.values());
    open.removeAll(completed);
    for (UUID taskId : open) {
      submit(
          () ->
              read(taskId)
                  .ifPresent(
                      task -> {
                        if (task.get("status").asText().equals("done")) completed.add(taskId);
                        else complete(taskId, UUID.fromString(task.get("assigneeId").asText()));
                      }));
    }
    stop();
    return open.size();
  }

  /** The first retried attempt at or after {@code sinceNanos}, if any. */
  public Optional<Long> firstRetryAfter(long sinceNanos) {
    return retryTimes.stream().filter(t -> t >= sinceNanos).min(Long::compare);
  }

  /**
   * Reassigns every open task ({@code POST /api/tasks/shuffle}, as the creating manager) through
   * the first node that answers. A shuffle is not idempotent: once a node took it, it is never sent
   * again, whatever the outcome; only a refused connection moves on to the next node.
   */
  public Optional<Integer> shuffle() {
    for (int port : httpPorts.get()) {
      HttpRequest request =
          HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/api/tasks/shuffle"))
              .timeout(Duration.ofSeconds(120))
              .header("Authorization", "Bearer " + creatorToken)
              .POST(HttpRequest.BodyPublishers.noBody())
              .build();
      try {
        HttpResponse<String> answer = client.send(request, HttpResponse.BodyHandlers.ofString());
        if (answer.statusCode() == 200) {
          return Optional.of(json(answer.body()).get("reassigned").asInt());
        }
        if (answer.statusCode() >= 500 && answer.statusCode() != 503) {
          badServerErrors.add("shuffle: " + answer.statusCode() + " " + answer.body());
        }
        failures.add("shuffle: " + answer.statusCode() + " " + answer.body());
        return Optional.empty();
      } catch (java.net.ConnectException e) {
        // not taken by this node: the next one
      } catch (IOException e) {
        failures.add("shuffle: " + e);
        return Optional.empty();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return Optional.empty();
      }
    }
    failures.add("shuffle: no node took it");
    return Optional.empty();
  }

  /** Closes today's billing day ({@code POST /api/accounting/billing-cycles/close}). */
  public boolean closeDay(String adminToken) {
    Optional<HttpResponse<String>> answer =
        send("POST", "/api/accounting/billing-cycles/close", adminToken, "{}", Map.of());
    if (answer.isPresent() && answer.get().statusCode() == 200) return true;
    failures.add("close day: " + answer.map(r -> r.statusCode() + " " + r.body()).orElse("none"));
    return false;
  }

  /** Sends one create with a fresh key, the same way the load does, and waits for its answer. */
  public Optional<UUID> createOne() {
    long n = sequence.incrementAndGet();
    // three of four tasks get done, so the open tasks a shuffle moves stay few
    return create("wl-" + run + "-" + n, httpPorts, n % 4 != 0);
  }

  /**
   * Sends a create with the given key to the given nodes (retrying as the load does) and records it
   * when acknowledged; the assignee completes it afterwards when {@code thenComplete}.
   */
  public Optional<UUID> create(String key, Supplier<List<Integer>> ports, boolean thenComplete) {
    String body =
        "{\"title\":\"load " + key + "\",\"description\":\"steady load\",\"jiraId\":\"LOAD-1\"}";
    Optional<HttpResponse<String>> answer =
        send(ports, "POST", "/api/tasks", creatorToken, body, Map.of("Idempotency-Key", key));
    if (answer.isEmpty()) {
      failures.add("create " + key + ": no answer within " + deadline);
      unanswered.add(key);
      return Optional.empty();
    }
    HttpResponse<String> response = answer.get();
    if (response.statusCode() != 201) {
      failures.add("create " + key + ": " + response.statusCode() + " " + response.body());
      return Optional.empty();
    }
    JsonNode task = json(response.body());
    UUID taskId = UUID.fromString(task.get("taskId").asText());
    acknowledgedAt.putIfAbsent(taskId, System.nanoTime());
    UUID previous = created.putIfAbsent(key, taskId);
    if (previous != null && !previous.equals(taskId)) {
      failures.add("create " + key + ": answered two tasks " + previous + " and " + taskId);
    }
    if (thenComplete) {
      UUID assignee = UUID.fromString(task.get("assigneeId").asText());
      submit(() -> complete(taskId, assignee));
    }
    return Optional.of(taskId);
  }

  private void complete(UUID taskId, UUID assignee) {
    UUID current = assignee;
    for (int attempt = 0; attempt < 3; attempt++) {
      String token = workerTokens.get(current);
      if (token == null) {
        failures.add("complete " + taskId + ": no token for assignee " + current);
        return;
      }
      Optional<HttpResponse<String>> answer =
          send("POST", "/api/tasks/" + taskId + "/complete", token, "", Map.of());
      if (answer.isEmpty()) {
        failures.add("complete " + taskId + ": no answer within " + deadline);
        return;
      }
      int status = answer.get().statusCode();
      if (status == 200) {
        completed.add(taskId);
        return;
      }
      Optional<JsonNode> task = read(taskId);
      if (status == 409 && task.isPresent() && task.get().get("status").asText().equals("done")) {
        // an earlier attempt was applied but its answer was lost (a killed node): done once
        completed.add(taskId);
        return;
      }
      if (status == 403 && task.isPresent()) {
        // a shuffle gave the task to another worker: that worker completes it
        current = UUID.fromString(task.get().get("assigneeId").asText());
        continue;
      }
      failures.add("complete " + taskId + ": " + status + " " + answer.get().body());
      return;
    }
    failures.add("complete " + taskId + ": reassigned under every attempt");
  }

  /** The task as its creator (a manager) reads it. */
  private Optional<JsonNode> read(UUID taskId) {
    return send("GET", "/api/tasks/" + taskId, creatorToken, null, Map.of())
        .filter(r -> r.statusCode() == 200)
        .map(r -> json(r.body()));
  }

  /**
   * Sends a request, retrying on the next node after a refused connection, a timeout, a 503 or a
   * 502/504, until answered otherwise or the deadline passes (then empty).
   */
  private Optional<HttpResponse<String>> send(
      String method, String path, String token, String body, Map<String, String> headers) {
    return send(httpPorts, method, path, token, body, headers);
  }

  private Optional<HttpResponse<String>> send(
      Supplier<List<Integer>> httpPorts,
      String method,
      String path,
      String token,
      String body,
      Map<String, String> headers) {
    long until = System.nanoTime() + deadline.toNanos();
    long backoffMillis = 100;
    while (System.nanoTime() < until) {
      List<Integer> ports = httpPorts.get();
      if (ports.isEmpty()) {
        // no node running (all stopped by the operator): as a refused connection
        retries.incrementAndGet();
        retryTimes.add(System.nanoTime());
        sleepJittered(backoffMillis);
        backoffMillis = Math.min(1_000, backoffMillis * 2);
        continue;
      }
      int port = ports.get(Math.floorMod(next.getAndIncrement(), ports.size()));
      HttpRequest.Builder request =
          HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
              .timeout(REQUEST_TIMEOUT)
              .header("Authorization", "Bearer " + token);
      headers.forEach(request::header);
      if (body == null) {
        request.GET();
      } else {
        request
            .header("Content-Type", "application/json")
            .method(method, HttpRequest.BodyPublishers.ofString(body));
      }
      long waitMillis;
      try {
        HttpResponse<String> response =
            client.send(request.build(), HttpResponse.BodyHandlers.ofString());
        int status = response.statusCode();
        boolean retryAfter = response.headers().firstValue("Retry-After").isPresent();
        if (status >= 500 && !(status == 503 && retryAfter)) {
          badServerErrors.add(method + " " + path + ": " + status + " " + response.body());
        }
        if (status != 503 && status != 502 && status != 504) return Optional.of(response);
        waitMillis =
            response
                .headers()
                .firstValue("Retry-After")
                .map(s -> Math.min(2_000L, Long.parseLong(s) * 1000))
                .orElse(backoffMillis);
      } catch (IOException e) {
        waitMillis = backoffMillis;
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return Optional.empty();
      }
      retries.incrementAndGet();
      retryTimes.add(System.nanoTime());
      sleepJittered(waitMillis);
      backoffMillis = Math.min(1_000, backoffMillis * 2);
    }
    return Optional.empty();
  }

  /** Client-side backoff between retries, jittered: a real client's pause, not a wait for state. */
  private static void sleepJittered(long millis) {
    long jittered = millis / 2 + ThreadLocalRandom.current().nextLong(millis / 2 + 1);
    try {
      TimeUnit.MILLISECONDS.sleep(jittered);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private static JsonNode json(String body) {
    try {
      return JSON.readTree(body);
    } catch (IOException e) {
      throw new IllegalStateException("not JSON: " + body, e);
    }
  }

  @Override
  public void close() {
    ticker.shutdownNow();
    clients.shutdownNow();
  }
}
