package ates.platform.resilience;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ates.Main;
import ates.platform.AtesNode;
import ates.platform.infra.EmbeddedPostgresServer;
import ates.testing.Http;
import ates.testing.IntegrationTest;
import ates.testing.TestInfra;
import com.typesafe.config.ConfigFactory;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

/**
 * The database of a service stopped under load: requests turn into fast 503s with Retry-After once
 * the breaker has opened (p99 measured and printed), nothing hangs, and when the database is back
 * the breaker closes and requests succeed again by themselves. Every user whose creation was
 * acknowledged (201) can log in afterwards.
 */
@IntegrationTest
class DatabaseStoppedTest {

  private static final int CLIENTS = 8;
  private static final Duration CLIENT_TIMEOUT = Duration.ofSeconds(20);

  /** One answer the load saw. */
  record Answer(
      int status, long startNanos, long millis, Optional<String> retryAfter, String body) {}

  private final HttpClient client =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  @Test
  void requests_fail_fast_while_the_database_is_down_and_recover_by_themselves() throws Exception {
    TestInfra infra = TestInfra.get();
    TestInfra.NodeSetup setup = infra.newNode();
    Path pgData = Files.createTempDirectory("ates-breaker-pg-");
    int pgPort = TestInfra.freePort();
    EmbeddedPostgresServer pg = EmbeddedPostgresServer.start(pgData, pgPort);
    AtesNode started = null;
    ExecutorService load = Executors.newFixedThreadPool(CLIENTS);
    try {
      started =
          AtesNode.start(
              ConfigFactory.parseMap(
                      Map.of(
                          "ates.db.url", pg.serverUrl(),
                          "ates.ask-timeout", "3s",
                          "ates.breakers.default.reset-timeout", "2s",
                          "ates.breakers.default.max-reset-timeout", "4s"))
                  .withFallback(infra.nodeConfig(setup, "identity")),
              Main.services());
      AtesNode node = started;
      int port = node.httpPort();
      Http http = new Http(port);
      String admin = http.login("admin", TestInfra.ADMIN_PASSWORD);
      Map<String, String> acknowledged = new ConcurrentHashMap<>(); // login -> user id

      // load: every client creates users (entity asks) and lists them (read-model queries)
      AtomicBoolean running = new AtomicBoolean(true);
      List<Answer> answers = Collections.synchronizedList(new ArrayList<>());
      List<Future<?>> clients = new ArrayList<>();
      for (int i = 0; i < CLIENTS; i++) {
        int client = i;
        clients.add(
            load.submit(
                () -> {
                  int n = 0;
                  while (running.get()) {
                    Answer a =
                        (n++ % 2 == 0)
                            ? createUser(port, admin, acknowledged)
                            : request(port, admin, "GET", "/api/users", null);
                    answers.add(a);
                  }
                  return client;
                }));
      }
      await()
          .atMost(Duration.ofSeconds(30))
          .until(() -> answers.stream().filter(a -> a.status() == 201).count() >= 10);

      pg.close();
      long stoppedAt = System.nanoTime();
      // the breaker opens: 503s that refuse at once, with Retry-After
      await()
          .atMost(Duration.ofSeconds(30))
          .until(
              () ->
                  breakerState(node.managementPort()) == Breaker.State.OPEN.gaugeValue
                      && fastRefusal(request(port, admin, "GET", "/api/users", null)));
      System.out.printf(
          "breaker opened %d ms after the database stopped%n",
          TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - stoppedAt));

      // while it is open: measure the requests the load sends from now on (a half-open probe
      // among them waits for the database: it is one in hundreds)
      long openSince = System.nanoTime();
      await()
          .atMost(Duration.ofSeconds(30))
          .until(() -> startedSince(answers, openSince).size() >= 400);
      List<Answer> whileOpen = startedSince(answers, openSince);
      long[] millis = whileOpen.stream().mapToLong(Answer::millis).sorted().toArray();
      long p50 = millis[(int) Math.ceil(0.50 * millis.length) - 1];
      long p99 = millis[(int) Math.ceil(0.99 * millis.length) - 1];
      long max = millis[millis.length - 1];
      System.out.printf(
          "while the breaker was open: %d requests, p50 %d ms, p99 %d ms, max %d ms%n",
          millis.length, p50, p99, max);
      assertTrue(p99 < 100, "p99 while open: " + p99 + " ms");
      for (Answer a : whileOpen) {
        assertEquals(503, a.status(), a.body());
        assertTrue(a.retryAfter().isPresent(), "Retry-After on " + a.body());
      }

      // the database comes back: the breaker closes and the load succeeds by itself
      pg = EmbeddedPostgresServer.start(pgData, pgPort);
      long restartedAt = System.nanoTime();
      int backFrom = answers.size();
      await()
          .atMost(Duration.ofSeconds(60))
          .until(
              () -> {
                List<Answer> since;
                synchronized (answers) {
                  since = new ArrayList<>(answers.subList(backFrom, answers.size()));
                }
                return since.stream().filter(a -> a.status() == 201).count() >= 10
                    && since.stream().anyMatch(a -> a.status() == 200);
              });
      assertEquals(Breaker.State.CLOSED.gaugeValue, breakerState(node.managementPort()));
      System.out.printf(
          "requests succeed again %d ms after the database restarted%n",
          TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - restartedAt));

      running.set(false);
      for (Future<?> c : clients) c.get(CLIENT_TIMEOUT.toSeconds() + 5, TimeUnit.SECONDS);
      // nothing hung: every request had an answer well within the client's timeout
      long slowest = answers.stream().mapToLong(Answer::millis).max().orElseThrow();
      assertTrue(slowest < 15_000, "slowest answer " + slowest + " ms");
      assertFalse(answers.stream().anyMatch(a -> a.status() == 500 || a.status() == -1));

      // no acknowledged write is lost
      System.out.printf("%d users acknowledged; checking each logs in%n", acknowledged.size());
      for (Map.Entry<String, String> user : acknowledged.entrySet()) {
        String token = http.login(user.getKey());
        assertEquals(
            user.getValue(), http.get("/api/users/me", token).json().get("userId").asText());
      }
    } finally {
      load.shutdownNow();
      if (started != null) started.stop();
      pg.close();
    }
  }

  private static List<Answer> startedSince(List<Answer> answers, long nanos) {
    synchronized (answers) {
      return answers.stream().filter(a -> a.startNanos() >= nanos).toList();
    }
  }

  private static boolean fastRefusal(Answer a) {
    return a.status() == 503 && a.retryAfter().isPresent() && a.millis() < 100;
  }

  private Answer createUser(int port, String admin, Map<String, String> acknowledged) {
    String login = "b" + UUID.randomUUID().toString().replace("-", "").substring(0, 12);
    Answer a =
        request(
            port,
            admin,
            "POST",
            "/api/users",
            "{\"login\":\""
                + login
                + "\",\"password\":\""
                + Http.passwordOf(login)
                + "\",\"fullName\":\"B\",\"email\":\""
                + login
                + "@example.com\",\"role\":\"worker\"}");
    if (a.status() == 201) {
      String id = a.body().replaceAll(".*\"userId\":\"([^\"]+)\".*", "$1");
      acknowledged.put(login, id);
    }
    return a;
  }

  private Answer request(int port, String token, String method, String path, String json) {
    HttpRequest.Builder b =
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
            .timeout(CLIENT_TIMEOUT)
            .header("Authorization", "Bearer " + token);
    if (json != null) {
      b.header("Content-Type", "application/json")
          .method(method, HttpRequest.BodyPublishers.ofString(json));
    } else {
      b.method(method, HttpRequest.BodyPublishers.noBody());
    }
    long start = System.nanoTime();
    try {
      HttpResponse<String> r = client.send(b.build(), HttpResponse.BodyHandlers.ofString());
      return new Answer(
          r.statusCode(),
          start,
          TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start),
          r.headers().firstValue("Retry-After"),
          r.body());
    } catch (IOException e) {
      return new Answer(
          -1,
          start,
          TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start),
          Optional.empty(),
          e.toString());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return new Answer(-1, start, 0, Optional.empty(), "interrupted");
    }
  }

  private int breakerState(int managementPort) {
    String metrics = new Http(managementPort).get("/metrics", null).body();
    for (String line : metrics.split("\n")) {
      if (line.startsWith("ates_circuit_breaker_state{dependency=\"db-identity\"}")) {
        return (int) Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
      }
    }
    return -1;
  }
}
