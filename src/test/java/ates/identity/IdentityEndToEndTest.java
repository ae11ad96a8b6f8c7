package ates.identity;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ates.Main;
import ates.contract.EventEnvelope;
import ates.contract.EventJson;
import ates.contract.Role;
import ates.contract.Topics;
import ates.platform.AtesNode;
import ates.platform.http.JwtService;
import ates.testing.Http;
import ates.testing.IntegrationTest;
import ates.testing.TestInfra;
import ates.testing.TopicReader;
import com.fasterxml.jackson.databind.JsonNode;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.stream.Collectors;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * The identity service end to end: HTTP in, the real Postgres and Kafka, Kafka out, read with
 * Kafka's own consumer.
 */
@IntegrationTest
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class IdentityEndToEndTest {

  private static final Duration TIMEOUT = Duration.ofSeconds(30);

  private TestInfra infra;
  private TestInfra.NodeSetup setup;
  private AtesNode node;
  private Http http;
  private String adminToken;

  @BeforeAll
  void startNode() {
    infra = TestInfra.get();
    setup = infra.newNode();
    node = AtesNode.start(infra.nodeConfig(setup, "identity"), Main.services());
    http = new Http(node.httpPort());
    adminToken = http.login("admin", TestInfra.ADMIN_PASSWORD);
  }

  @AfterAll
  void stopNode() {
    if (node != null) node.stop();
  }

  private static String uniqueLogin() {
    return "u" + UUID.randomUUID().toString().replace("-", "").substring(0, 12);
  }

  private String createUserJson(String login, String role) {
    return "{\"login\":\""
        + login
        + "\",\"password\":\"password-"
        + login
        + "\",\"fullName\":\"Popug "
        + login
        + "\",\"email\":\""
        + login
        + "@example.com\",\"role\":\""
        + role
        + "\"}";
  }

  private JsonNode createUser(String login, String role) {
    Http.Response r = http.post("/api/users", adminToken, createUserJson(login, role));
    assertEquals(201, r.status(), r.body());
    return r.json();
  }

  private List<ConsumerRecord<String, byte[]>> usersRecordsOf(String userId, int atLeast) {
    return TopicReader.readUntil(
            infra.kafkaBootstrap(),
            setup.topic(Topics.USERS),
            TIMEOUT,
            records -> records.stream().filter(r -> userId.equals(r.key())).count() >= atLeast)
        .stream()
        .filter(r -> userId.equals(r.key()))
        .toList();
  }

  @Test
  void a_new_user_logs_in_reads_me_and_is_listed() {
    String login = uniqueLogin();
    JsonNode created = createUser(login, "worker");
    assertEquals(login, created.get("login").asText());
    assertEquals("worker", created.get("role").asText());

    String token = http.login(login, "password-" + login);
    Http.Response me = http.get("/api/users/me", token);

    assertEquals(200, me.status());
    assertEquals(created, me.json());
    await()
        .atMost(TIMEOUT)
        .untilAsserted(
            () -> {
              Http.Response list = http.get("/api/users", adminToken);
              assertEquals(200, list.status());
              assertTrue(list.body().contains("\"" + login + "\""), list.body());
            });
  }

  @Test
  void a_registered_user_is_published_on_the_users_topic_with_a_valid_envelope() {
    String login = uniqueLogin();
    String userId = createUser(login, "worker").get("userId").asText();

    ConsumerRecord<String, byte[]> record = usersRecordsOf(userId, 1).get(0);
    // decode validates against the contract's JSON Schema
    EventEnvelope envelope = EventJson.decode(record.value());

    assertEquals("UserRegistered", envelope.eventName());
    assertEquals(1, envelope.eventVersion());
    assertEquals("identity", envelope.producer());
    assertEquals(login, envelope.data().get("login").asText());
    assertEquals("worker", envelope.data().get("role").asText());
    assertEquals(userId, envelope.data().get("userId").asText());
    assertEquals("UserRegistered", header(record, "eventName"));
    assertEquals("1", header(record, "eventVersion"));
  }

  @Test
  void a_role_change_is_answered_and_published() {
    String userId = createUser(uniqueLogin(), "worker").get("userId").asText();

    Http.Response r =
        http.put("/api/users/" + userId + "/role", adminToken, "{\"role\":\"manager\"}");

    assertEquals(200, r.status(), r.body());
    assertEquals("manager", r.json().get("role").asText());
    List<ConsumerRecord<String, byte[]>> records = usersRecordsOf(userId, 2);
    EventEnvelope changed = EventJson.decode(records.get(1).value());
    assertEquals("UserRoleChanged", changed.eventName());
    assertEquals("manager", changed.data().get("role").asText());
  }

  @Test
  void bad_requests_get_problems_and_change_nothing() {
    String workerLogin = uniqueLogin();
    createUser(workerLogin, "worker");
    String workerToken = http.login(workerLogin, "password-" + workerLogin);
    String victim = uniqueLogin();

    Http.Response malformed =
        http.post("/api/users", adminToken, "{\"login\": \"" + victim + "\",");
    Http.Response missing =
        http.post(
            "/api/users",
            adminToken,
            "{\"login\":\"" + victim + "\",\"password\":\"long-enough\"}");
    byte[] huge = new byte[1024 * 1024];
    Arrays.fill(huge, (byte) ' ');
    byte[] prefix = createUserJson(victim, "worker").getBytes(StandardCharsets.UTF_8);
    System.arraycopy(prefix, 0, huge, 0, prefix.length);
    Http.Response tooLarge = http.send("POST", "/api/users", adminToken, "application/json", huge);
    Http.Response forbidden = http.post("/api/users", workerToken, createUserJson(victim, "admin"));
    String forged = adminToken.substring(0, adminToken.lastIndexOf('.') + 1) + "AAAA";
    Http.Response forgedToken = http.post("/api/users", forged, createUserJson(victim, "admin"));
    JwtService pastIssuer =
        new JwtService(
            TestInfra.JWT_SECRET.getBytes(StandardCharsets.UTF_8),
            "ates",
            Duration.ofMinutes(1),
            Clock.fixed(Instant.now().minus(Duration.ofHours(2)), ZoneOffset.UTC));
    String expired = pastIssuer.issue(User.idForLogin("admin"), "admin", Role.ADMIN).token();
    Http.Response expiredToken = http.post("/api/users", expired, createUserJson(victim, "admin"));
    Http.Response notJson =
        http.send(
            "POST",
            "/api/users",
            adminToken,
            "text/plain",
            createUserJson(victim, "worker").getBytes());

    assertProblem(malformed, 400);
    assertProblem(missing, 400);
    assertTrue(
        missing.json().get("detail").asText().contains("password")
            || missing.json().get("detail").asText().contains("fullName"),
        missing.body());
    assertProblem(tooLarge, 413);
    assertProblem(forbidden, 403);
    assertProblem(forgedToken, 401);
    assertProblem(expiredToken, 401);
    assertProblem(notJson, 415);

    // nothing changed: the victim login does not exist
    Http.Response login =
        http.post(
            "/api/auth/login",
            null,
            "{\"login\":\"" + victim + "\",\"password\":\"password-" + victim + "\"}");
    assertProblem(login, 401);
    Http.Response users = http.get("/api/users", adminToken);
    assertFalse(users.body().contains(victim));
  }

  @Test
  void wrong_password_and_unknown_login_get_the_same_401() {
    String login = uniqueLogin();
    createUser(login, "worker");

    Http.Response wrong =
        http.post(
            "/api/auth/login", null, "{\"login\":\"" + login + "\",\"password\":\"nope-nope\"}");
    Http.Response unknown =
        http.post(
            "/api/auth/login",
            null,
            "{\"login\":\"" + uniqueLogin() + "\",\"password\":\"nope-nope\"}");

    assertProblem(wrong, 401);
    assertProblem(unknown, 401);
    assertEquals(wrong.body(), unknown.body());
  }

  @Test
  void duplicate_login_is_a_conflict_and_unknown_user_role_change_is_not_found() {
    String login = uniqueLogin();
    createUser(login, "worker");

    assertProblem(http.post("/api/users", adminToken, createUserJson(login, "admin")), 409);
    assertProblem(
        http.put("/api/users/" + UUID.randomUUID() + "/role", adminToken, "{\"role\":\"admin\"}"),
        404);
    Http.Response badRole =
        http.put("/api/users/" + UUID.randomUUID() + "/role", adminToken, "{\"role\":\"boss\"}");
    assertProblem(badRole, 400);
    assertTrue(badRole.json().get("detail").asText().contains("role"));
  }

  @Test
  void metrics_and_health_are_served_on_the_management_port_only() {
    http.get("/api/users/me", adminToken);
    assertProblem(http.get("/metrics", null), 404);
    Http management = new Http(node.managementPort());
    Http.Response metrics = management.get("/metrics", null);
    assertEquals(200, metrics.status());
    assertTrue(metrics.body().contains("jvm_memory_used_bytes"), "JVM figures");
    assertTrue(metrics.body().contains("ates_http_requests_total"), "HTTP figures");
    assertTrue(metrics.body().contains("ates_akka_cluster_members"), "Akka figures");

    assertEquals(200, management.get("/ready", null).status());
    assertEquals(200, management.get("/alive", null).status());
  }

  @Test
  void users_survive_a_restart_and_republishing_keeps_event_ids() {
    String login = uniqueLogin();
    String userId = createUser(login, "accountant").get("userId").asText();
    usersRecordsOf(userId, 1);

    node.stop();
    node = AtesNode.start(infra.nodeConfig(setup, "identity"), Main.services());
    http = new Http(node.httpPort());
    adminToken = http.login("admin", TestInfra.ADMIN_PASSWORD);

    String token = http.login(login, "password-" + login);
    assertEquals(userId, http.get("/api/users/me", token).json().get("userId").asText());
    Set<String> eventIds =
        usersRecordsOf(userId, 1).stream()
            .map(r -> EventJson.decode(r.value()))
            .filter(e -> e.eventName().equals("UserRegistered"))
            .map(e -> e.eventId().toString())
            .collect(Collectors.toSet());
    assertEquals(1, eventIds.size(), "one eventId for the one journal event: " + eventIds);
  }

  private static void assertProblem(Http.Response r, int status) {
    assertEquals(status, r.status(), r.body());
    assertTrue(r.contentType().startsWith("application/problem+json"), r.contentType());
    JsonNode problem = r.json();
    assertEquals(status, problem.get("status").asInt());
    assertNotNull(problem.get("title"));
    assertFalse(problem.get("detail").asText().isBlank());
  }

  private static String header(ConsumerRecord<String, byte[]> record, String name) {
    return new String(record.headers().lastHeader(name).value(), StandardCharsets.UTF_8);
  }
}
