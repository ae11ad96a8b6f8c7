package ates.platform;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ates.Main;
import ates.testing.Answer;
import ates.testing.ForgedTokens;
import ates.testing.Http;
import ates.testing.IntegrationTest;
import ates.testing.TestInfra;
import ates.testing.Wire;
import com.fasterxml.jackson.databind.JsonNode;
import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigResolveOptions;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.function.Executable;

/**
 * One regression test per finding of the hardening issue (#8), named after it; finding 12 (the
 * OpenAPI document) is {@code OpenApiTest.finding_12_…}. Each states the contract's answer
 * (http-api.md: Errors, Tokens, Tasks, Operations).
 */
@IntegrationTest
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class HardeningTest {

  private static final Duration FAST = Duration.ofSeconds(1);
  private static final Duration ROLE_CHANGE_EVERYWHERE = Duration.ofSeconds(2);
  private static final Duration SETTLE = Duration.ofSeconds(60);

  private AtesNode node;
  private Http http;
  private Wire wire;
  private String admin;
  private final Map<String, String> tokens = new LinkedHashMap<>();
  private final Map<String, String> ids = new LinkedHashMap<>();

  @BeforeAll
  void start() {
    TestInfra infra = TestInfra.get();
    node = AtesNode.start(infra.nodeConfig(infra.newNode(), "all"), Main.services());
    http = new Http(node.httpPort());
    wire = new Wire(node.httpPort(), Duration.ofSeconds(10));
    admin = http.login("admin", TestInfra.ADMIN_PASSWORD);
    tokens.put("admin", admin);
    for (String user : List.of("manager", "accountant", "worker1", "worker2")) {
      String role = user.startsWith("worker") ? "worker" : user;
      ids.put(user, http.createUser(admin, "h" + user, role).get("userId").asText());
      tokens.put(user, http.login("h" + user));
    }
    // the tasks service knows a worker: creating a task is no 409 from here on
    createTask("manager", "Warm-up");
  }

  @AfterAll
  void stop() {
    if (node != null) node.stop();
  }

  @Test
  void finding_01_a_token_older_than_the_users_last_role_change_is_refused() {
    String demoted = "hdemoted";
    String demotedId = http.createUser(admin, demoted, "manager").get("userId").asText();
    String managerToken = http.login(demoted);
    assertEquals(200, wire.get("/api/users", managerToken).status(), "a manager lists users");
    String promoted = "hpromoted";
    String promotedId = http.createUser(admin, promoted, "worker").get("userId").asText();
    String workerToken = http.login(promoted);

    assertEquals(
        200,
        http.put("/api/users/" + demotedId + "/role", admin, "{\"role\":\"worker\"}").status());
    assertEquals(
        200,
        http.put("/api/users/" + promotedId + "/role", admin, "{\"role\":\"accountant\"}")
            .status());

    await()
        .atMost(ROLE_CHANGE_EVERYWHERE)
        .pollInterval(Duration.ofMillis(50))
        .untilAsserted(
            () -> {
              assertProblem(wire.get("/api/users/me", managerToken), 401);
              assertProblem(wire.get("/api/users/me", workerToken), 401);
            });
    assertProblem(wire.get("/api/users", managerToken), 401);
    // a token issued after the change carries the new role and works at once
    String fresh = http.login(demoted);
    Answer me = wire.get("/api/users/me", fresh);
    assertEquals(200, me.status(), me.toString());
    assertEquals("worker", me.json().get("role").asText());
    assertProblem(wire.get("/api/users", fresh), 403);
  }

  @Test
  void finding_02_worker_cannot_read_another_workers_task() {
    JsonNode task = null;
    String assignee = null;
    // other tests add workers; aim at a task of one of ours
    for (int i = 0; i < 30 && assignee == null; i++) {
      task = createTask("manager", "Whose task " + i);
      String assigneeId = task.get("assigneeId").asText();
      assignee =
          ids.entrySet().stream()
              .filter(e -> e.getValue().equals(assigneeId))
              .map(Map.Entry::getKey)
              .findFirst()
              .orElse(null);
    }
    assertTrue(assignee != null && assignee.startsWith("worker"), "a task of worker1 or worker2");
    String other = assignee.equals("worker1") ? "worker2" : "worker1";
    String path = "/api/tasks/" + task.get("taskId").asText();

    assertFastProblem(wire.get(path, tokens.get(other)), 403);
    for (String reader : List.of(assignee, "manager", "accountant", "admin")) {
      Answer r = wire.get(path, tokens.get(reader));
      assertEquals(200, r.status(), reader + ": " + r);
      assertEquals(task.get("taskId").asText(), r.json().get("taskId").asText());
    }
  }

  @Test
  void finding_03_far_future_date_ranges_are_400_not_500() {
    String range = "from=%2B999999999-12-01&to=%2B999999999-12-31";
    assertAll(
        fastProblem(() -> wire.get("/api/accounting/earnings?" + range, admin), 400, "from|to"),
        fastProblem(() -> wire.get("/api/analytics/daily?" + range, admin), 400, "from|to"),
        fastProblem(
            () -> wire.get("/api/analytics/most-expensive-task?" + range, admin), 400, "from|to"));
  }

  @Test
  void finding_04_out_of_range_dates_and_instants_are_400_not_503() {
    assertAll(
        fastProblem(
            () -> wire.get("/api/accounts/me?before=-5000-01-01T00:00:00Z", tokens.get("worker1")),
            400,
            "before"),
        fastProblem(
            () -> wire.get("/api/analytics/dashboard?date=%2B999999999-12-31", admin), 400, "date"),
        fastProblem(
            () -> wire.get("/api/accounting/earnings?from=-4714-11-20&to=-4714-11-21", admin),
            400,
            "from|to"),
        fastProblem(
            () -> post("/api/accounting/billing-cycles/close", admin, "{\"date\":\"-5000-01-01\"}"),
            400,
            "date"));
  }

  @Test
  void finding_05_lone_surrogates_are_400_at_once() {
    String marker = "surrogate-" + UUID.randomUUID();
    String login = "hsurrogate";
    assertAll(
        fastProblem(
            () ->
                post(
                    "/api/tasks",
                    tokens.get("manager"),
                    "{\"title\":\"a\\ud800\",\"description\":\"" + marker + "\"}"),
            400,
            "title"),
        fastProblem(
            () ->
                post(
                    "/api/tasks",
                    tokens.get("manager"),
                    "{\"title\":\"" + marker + "\",\"description\":\"x\\udc00y\"}"),
            400,
            "description"),
        fastProblem(
            () ->
                post(
                    "/api/users",
                    admin,
                    "{\"login\":\""
                        + login
                        + "\",\"password\":\"password-1\",\"fullName\":\"\\ud800\","
                        + "\"email\":\"s@example.com\",\"role\":\"worker\"}"),
            400,
            "fullName"));
    assertNothingCreated(marker, login);
  }

  @Test
  void finding_06_malformed_utf8_is_400() {
    String marker = "utf8-" + UUID.randomUUID();
    String login = "hbadutf";
    List<byte[]> bad =
        List.of(
            new byte[] {(byte) 0xc3, 0x28},
            new byte[] {(byte) 0xff},
            new byte[] {(byte) 0xc0, (byte) 0xaf},
            new byte[] {(byte) 0xed, (byte) 0xa0, (byte) 0x80});
    List<Executable> checks = new ArrayList<>();
    for (byte[] b : bad) {
      byte[] task = bytes("{\"title\":\"ok", b, "\",\"description\":\"" + marker + "\"}");
      checks.add(
          fastProblem(() -> postBytes("/api/tasks", tokens.get("manager"), task), 400, null));
    }
    byte[] user =
        bytes(
            "{\"login\":\"" + login + "\",\"password\":\"password-1\",\"fullName\":\"Bad",
            new byte[] {(byte) 0xff},
            "\",\"email\":\"u@example.com\",\"role\":\"worker\"}");
    checks.add(fastProblem(() -> postBytes("/api/users", admin, user), 400, null));
    assertAll(checks);
    assertNothingCreated(marker, login);
  }

  @Test
  void finding_07_http_layer_errors_are_problems() {
    Map<String, String> none = Map.of();
    assertAll(
        () -> assertProblem(wire.raw(Wire.request("GET /api/tasks/%zz HTTP/1.1", none, null)), 400),
        () ->
            assertProblem(
                wire.raw(
                    Wire.request(
                        "GET /api/tasks?q=" + "a".repeat(10_000) + " HTTP/1.1", none, null)),
                414),
        () ->
            assertProblem(
                wire.raw(
                    Wire.request(
                        "GET /api/tasks HTTP/1.1", Map.of("X-Big", "b".repeat(20_000)), null)),
                431),
        () -> assertProblem(wire.raw(Wire.request("FOO /api/tasks HTTP/1.1", none, null)), 501),
        () -> {
          // 100 bytes announced, 14 sent, the connection left open
          Map<String, String> headers =
              Map.of("Content-Type", "application/json", "Content-Length", "100");
          Answer a =
              wire.raw(
                  Wire.request(
                      "POST /api/auth/login HTTP/1.1",
                      headers,
                      "{\"login\":\"ab\"".getBytes(StandardCharsets.UTF_8)),
                  Duration.ofSeconds(10));
          assertNotEquals(
              0,
              a.status(),
              "a body shorter than its Content-Length is answered within 10 s: " + a);
          assertTrue(a.status() >= 400 && a.status() < 500, a.toString());
          assertEquals(java.util.Optional.empty(), a.problemDefect(true), a.toString());
        });
  }

  @Test
  void finding_08_login_is_rate_limited_per_login_and_per_client_address() {
    // its own node: the limit of the test's address must not refuse the other tests' logins
    TestInfra infra = TestInfra.get();
    AtesNode limited =
        AtesNode.start(infra.nodeConfig(infra.newNode(), "identity"), Main.services());
    try {
      Http http8 = new Http(limited.httpPort());
      Wire wire8 = new Wire(limited.httpPort(), Duration.ofSeconds(10));
      String adminToken = http8.login("admin", TestInfra.ADMIN_PASSWORD);
      http8.createUser(adminToken, "hvictim", "worker");

      Answer last = null;
      for (int i = 0; i < 50 && (last == null || last.status() != 429); i++) {
        last = login(wire8, "hvictim", "wrong-password-" + i);
        assertTrue(last.status() == 401 || last.status() == 429, last.toString());
      }
      assertRateLimited(last);
      assertRateLimited(login(wire8, "hvictim", Http.passwordOf("hvictim")));

      Answer fromAddress = null;
      for (int i = 0; i < 200 && (fromAddress == null || fromAddress.status() != 429); i++) {
        fromAddress = login(wire8, "nobody" + i, "wrong-password");
      }
      assertRateLimited(fromAddress);
    } finally {
      limited.stop();
    }
  }

  @Test
  void finding_09_tampered_tokens_are_401() {
    String token = tokens.get("worker1");
    assertEquals(200, wire.get("/api/users/me", token).status());
    Map<String, String> forged = new LinkedHashMap<>(ForgedTokens.of(token));
    for (int segment = 0; segment < 3; segment++) {
      List<String> siblings = ForgedTokens.sameBytesDifferentText(token, segment);
      for (int i = 0; i < siblings.size(); i++)
        forged.put("segment " + segment + " same bytes #" + i, siblings.get(i));
    }
    List<Executable> checks = new ArrayList<>();
    forged.forEach(
        (name, t) ->
            checks.add(
                () -> {
                  Answer a = wire.get("/api/users/me", t);
                  assertEquals(401, a.status(), name + ": " + a);
                  assertEquals(java.util.Optional.empty(), a.problemDefect(true), name);
                }));
    assertAll(checks);
  }

  @Test
  void finding_10_metrics_only_on_the_management_port_and_loopback_by_default() {
    Answer onApi = wire.get("/metrics", null);
    Answer onManagement =
        new Wire(node.managementPort(), Duration.ofSeconds(10)).get("/metrics", null);
    // the shipped configuration, without ATES_* from the environment
    Config shipped =
        ConfigFactory.parseResourcesAnySyntax("application")
            .withFallback(ConfigFactory.defaultReference())
            .resolve(ConfigResolveOptions.noSystem());

    assertAll(
        () -> assertProblem(onApi, 404),
        () -> {
          assertEquals(200, onManagement.status(), onManagement.toString());
          assertTrue(
              onManagement.contentType().startsWith("text/plain"), onManagement.contentType());
          assertTrue(onManagement.text().contains("jvm_memory_used_bytes"), "JVM figures");
          assertTrue(onManagement.text().contains("ates_http_requests_total"), "HTTP figures");
        },
        // loopback, or blank: loopback on the embedded default, decided at start-up; never every
        // interface
        () ->
            assertTrue(
                List.of("127.0.0.1", "").contains(shipped.getString("ates.http.interface")),
                "API bind address"),
        () ->
            assertTrue(
                List.of("127.0.0.1", "")
                    .contains(shipped.getString("akka.management.http.bind-hostname")),
                "management bind address"));
  }

  @Test
  void finding_11_security_headers_and_no_cross_origin_access() {
    Answer login =
        wire.send(
            "POST",
            "/api/auth/login",
            Map.of("Content-Type", "application/json"),
            ("{\"login\":\"hworker2\",\"password\":\"" + Http.passwordOf("hworker2") + "\"}")
                .getBytes(StandardCharsets.UTF_8));
    assertEquals(200, login.status(), login.toString());
    Map<String, Answer> answers = new LinkedHashMap<>();
    answers.put("login", login);
    answers.put("me", wire.get("/api/users/me", admin));
    answers.put("no token", wire.get("/api/users/me", null));
    answers.put("unknown path", wire.get("/api/nope", admin));
    answers.put("bad body", post("/api/tasks", admin, "{"));
    answers.put("openapi", wire.get("/api/openapi.yaml", null));
    answers.put(
        "bad request-target",
        wire.raw(Wire.request("GET /api/tasks/%zz HTTP/1.1", Map.of(), null)));
    Answer preflight =
        wire.send(
            "OPTIONS",
            "/api/tasks",
            Map.of(
                "Origin",
                "https://evil.example",
                "Access-Control-Request-Method",
                "POST",
                "Access-Control-Request-Headers",
                "authorization, content-type"),
            null);
    answers.put("CORS preflight", preflight);
    Answer foreign =
        wire.send(
            "GET",
            "/api/users/me",
            Map.of("Origin", "https://evil.example", "Authorization", "Bearer " + admin),
            null);
    answers.put("foreign origin", foreign);

    List<Executable> checks = new ArrayList<>();
    answers.forEach(
        (name, a) -> {
          checks.add(
              () ->
                  assertEquals(
                      "nosniff",
                      a.header("X-Content-Type-Options").orElse("").toLowerCase(),
                      name + ": X-Content-Type-Options"));
          checks.add(
              () ->
                  assertFalse(
                      a.header("Server").orElse("").matches(".*\\d.*"),
                      name + ": Server header shows a version: " + a.header("Server")));
        });
    checks.add(
        () ->
            assertTrue(
                login.header("Cache-Control").orElse("").contains("no-store"),
                "login Cache-Control: " + login.header("Cache-Control")));
    checks.add(
        () ->
            assertTrue(
                preflight.status() >= 200 && preflight.status() < 500, "preflight " + preflight));
    checks.add(
        () ->
            assertEquals(
                java.util.Optional.empty(),
                preflight.header("Access-Control-Allow-Origin"),
                "preflight from a foreign origin"));
    checks.add(
        () ->
            assertEquals(
                java.util.Optional.empty(),
                foreign.header("Access-Control-Allow-Origin"),
                "GET from a foreign origin"));
    assertAll(checks);
  }

  @Test
  void finding_13_duplicate_keys_and_non_ascii_digits_are_400() {
    String marker = "dup-" + UUID.randomUUID();
    String worker = tokens.get("worker1");
    assertAll(
        fastProblem(
            () ->
                post(
                    "/api/tasks",
                    tokens.get("manager"),
                    "{\"title\":\"[X-1] bad\",\"title\":\"Good\",\"description\":\""
                        + marker
                        + "\"}"),
            400,
            "title"),
        fastProblem(
            () ->
                post(
                    "/api/tasks",
                    tokens.get("manager"),
                    "{\"title\":\"" + marker + "\",\"description\":\"a\",\"description\":\"b\"}"),
            400,
            "description"),
        fastProblem(() -> wire.get("/api/accounts/me?limit=%D9%A5", worker), 400, "limit"),
        fastProblem(() -> wire.get("/api/accounts/me?limit=%EF%BC%95", worker), 400, "limit"),
        fastProblem(() -> wire.get("/api/accounts/me?limit=%DB%B5", worker), 400, "limit"));
    assertNothingCreated(marker, null);
  }

  // ---- helpers ---------------------------------------------------------------------------------

  private JsonNode createTask(String user, String title) {
    AtomicReference<Http.Response> created = new AtomicReference<>();
    String body = "{\"title\":\"" + title + "\",\"description\":\"from HardeningTest\"}";
    await()
        .atMost(SETTLE)
        .pollInterval(Duration.ofMillis(200))
        .until(
            () -> {
              created.set(http.post("/api/tasks", tokens.get(user), body));
              return created.get().status() == 201;
            });
    return created.get().json();
  }

  private Answer post(String target, String token, String json) {
    return postBytes(target, token, json.getBytes(StandardCharsets.UTF_8));
  }

  private Answer postBytes(String target, String token, byte[] body) {
    Map<String, String> headers = new LinkedHashMap<>();
    headers.put("Content-Type", "application/json");
    if (token != null) headers.put("Authorization", "Bearer " + token);
    return wire.send("POST", target, headers, body);
  }

  private static Answer login(Wire wire, String login, String password) {
    return wire.send(
        "POST",
        "/api/auth/login",
        Map.of("Content-Type", "application/json"),
        ("{\"login\":\"" + login + "\",\"password\":\"" + password + "\"}")
            .getBytes(StandardCharsets.UTF_8));
  }

  private static void assertRateLimited(Answer a) {
    assertProblem(a, 429);
    String retryAfter = a.header("Retry-After").orElse("");
    assertTrue(retryAfter.matches("[1-9][0-9]*"), "Retry-After in seconds: '" + retryAfter + "'");
  }

  private static void assertProblem(Answer a, int status) {
    assertEquals(status, a.status(), a.toString());
    assertEquals(java.util.Optional.empty(), a.problemDefect(true), a.toString());
  }

  private static void assertFastProblem(Answer a, int status) {
    assertProblem(a, status);
    assertTrue(
        a.elapsed().compareTo(FAST) <= 0, "answered in " + a.elapsed().toMillis() + " ms: " + a);
  }

  /**
   * A check for assertAll: the problem of {@code status}, within a second, whose detail names
   * {@code field} (a regex alternative such as {@code from|to}).
   */
  private static Executable fastProblem(
      java.util.function.Supplier<Answer> request, int status, String field) {
    return () -> {
      Answer a = request.get();
      assertFastProblem(a, status);
      if (field != null)
        assertTrue(
            a.json().path("detail").asText().matches("(?s).*\\b(" + field + ")\\b.*"),
            "the detail names '" + field + "': " + a);
    };
  }

  /**
   * No task with {@code marker} in its title or description, and no user {@code login}, even a
   * while later.
   */
  private void assertNothingCreated(String marker, String login) {
    await()
        .atMost(Duration.ofSeconds(10))
        .during(Duration.ofMillis(1500))
        .pollInterval(Duration.ofMillis(300))
        .untilAsserted(
            () -> {
              assertFalse(
                  http.get("/api/tasks?assignee=all", admin).body().contains(marker),
                  "a task with " + marker);
              if (login != null)
                assertFalse(
                    http.get("/api/users", admin).body().contains("\"" + login + "\""),
                    "user " + login);
            });
  }

  private static byte[] bytes(String before, byte[] middle, String after) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.writeBytes(before.getBytes(StandardCharsets.UTF_8));
    out.writeBytes(middle);
    out.writeBytes(after.getBytes(StandardCharsets.UTF_8));
    return out.toByteArray();
  }
}
