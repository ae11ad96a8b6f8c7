package ates.identity;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ates.Main;
import ates.contract.EventEnvelope;
import ates.contract.EventJson;
import ates.contract.Topics;
import ates.platform.AtesNode;
import ates.testing.Http;
import ates.testing.IntegrationTest;
import ates.testing.TestInfra;
import ates.testing.TopicReader;
import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * {@code Idempotency-Key} on {@code POST /api/users} (http-api.md, Idempotency) through HTTP, on a
 * two-node identity cluster over the real Postgres and Kafka: a retry to either node, also after
 * both nodes restart, answers the first user and registers nothing twice; the same key with another
 * body is 422 and creates nobody.
 */
@IntegrationTest
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class UserIdempotencyKeyTest {

  private static final Duration TIMEOUT = Duration.ofSeconds(30);

  private TestInfra infra;
  private TestInfra.NodeSetup setup;
  private AtesNode first;
  private AtesNode second;
  private Http one;
  private Http two;
  private String admin;

  @BeforeAll
  void start() {
    infra = TestInfra.get();
    setup = infra.newNode();
    startCluster();
    admin = one.login("admin", TestInfra.ADMIN_PASSWORD);
  }

  /** Two identity nodes on one setup: the first forms the cluster, the second joins it. */
  private void startCluster() {
    Config firstConfig = infra.nodeConfig(setup, "identity");
    Config secondConfig = infra.nodeConfig(setup, "identity");
    String firstPoint = "127.0.0.1:" + firstConfig.getInt("akka.management.http.port");
    String secondPoint = "127.0.0.1:" + secondConfig.getInt("akka.management.http.port");
    first = AtesNode.start(withContactPoints(firstConfig, firstPoint), Main.services());
    second =
        AtesNode.start(
            withContactPoints(secondConfig, firstPoint + "," + secondPoint), Main.services());
    one = new Http(first.httpPort());
    two = new Http(second.httpPort());
    Http management = new Http(second.managementPort());
    await()
        .atMost(TIMEOUT)
        .untilAsserted(
            () ->
                assertEquals(
                    2,
                    management.get("/cluster/members", null).json().get("members").size(),
                    "the second node joined the first"));
  }

  private static Config withContactPoints(Config config, String contactPoints) {
    return ConfigFactory.parseMap(Map.of("ates.contact-points", contactPoints))
        .withFallback(config);
  }

  @AfterAll
  void stop() {
    stopCluster();
  }

  private void stopCluster() {
    if (second != null) second.stop();
    if (first != null) first.stop();
    second = null;
    first = null;
  }

  private static String uniqueLogin() {
    return "k" + UUID.randomUUID().toString().replace("-", "").substring(0, 12);
  }

  private static String body(String login, String fullName, String password) {
    return "{\"login\":\""
        + login
        + "\",\"password\":\""
        + password
        + "\",\"fullName\":\""
        + fullName
        + "\",\"email\":\""
        + login
        + "@example.com\",\"role\":\"worker\"}";
  }

  private static Map<String, String> key(String value) {
    return Map.of("Idempotency-Key", value);
  }

  private static void assertProblem(Http.Response r, int status) {
    assertEquals(status, r.status(), r.body());
    assertTrue(r.contentType().startsWith("application/problem+json"), r.contentType());
  }

  /** True when no user has this login: its entity answers 404 to a role change. */
  private void assertNoUser(String login) {
    assertProblem(
        one.put("/api/users/" + User.idForLogin(login) + "/role", admin, "{\"role\":\"worker\"}"),
        404);
  }

  /** The distinct UserRegistered events published for the user, once at least one is there. */
  private long registeredEventsOf(String userId) {
    List<ConsumerRecord<String, byte[]>> records =
        TopicReader.readUntil(
            infra.kafkaBootstrap(),
            setup.topic(Topics.USERS),
            TIMEOUT,
            all -> all.stream().anyMatch(r -> userId.equals(r.key())));
    return records.stream()
        .filter(r -> userId.equals(r.key()))
        .map(r -> EventJson.decode(r.value()))
        .filter(e -> e.eventName().equals("UserRegistered"))
        .map(EventEnvelope::eventId)
        .distinct()
        .count();
  }

  @Test
  void the_same_key_twice_answers_the_first_user_and_another_body_is_422() {
    String login = uniqueLogin();
    String k = "create-" + UUID.randomUUID();

    Http.Response created =
        one.post("/api/users", admin, body(login, "Popug", "secret-one"), key(k));
    Http.Response again = one.post("/api/users", admin, body(login, "Popug", "secret-one"), key(k));
    Http.Response otherNode =
        two.post("/api/users", admin, body(login, "Popug", "secret-one"), key(k));

    assertEquals(201, created.status(), created.body());
    assertEquals(201, again.status(), again.body());
    assertEquals(created.json(), again.json(), "the first answer: the same user");
    assertEquals(201, otherNode.status(), otherNode.body());
    assertEquals(created.json(), otherNode.json(), "the first answer on the other node too");

    String otherLogin = uniqueLogin();
    assertProblem(
        two.post("/api/users", admin, body(otherLogin, "Popug", "secret-one"), key(k)), 422);
    assertProblem(
        one.post("/api/users", admin, body(login, "Another Popug", "secret-one"), key(k)), 422);
    assertNoUser(otherLogin);
    assertEquals(1, registeredEventsOf(created.json().get("userId").asText()));

    assertProblem(
        one.post("/api/users", admin, body(uniqueLogin(), "P", "secret-one"), key("has space")),
        400);
    assertProblem(
        one.post("/api/users", admin, body(uniqueLogin(), "P", "secret-one"), key("x".repeat(129))),
        400);
  }

  @Test
  void a_retry_with_another_password_answers_the_first_user_whose_password_stays() {
    String login = uniqueLogin();
    String k = "create-" + UUID.randomUUID();

    Http.Response created =
        one.post("/api/users", admin, body(login, "Popug", "secret-one"), key(k));
    Http.Response retry = two.post("/api/users", admin, body(login, "Popug", "secret-two"), key(k));

    assertEquals(201, created.status(), created.body());
    assertEquals(201, retry.status(), retry.body());
    assertEquals(created.json(), retry.json());
    one.login(login, "secret-one");
    assertProblem(
        one.post(
            "/api/auth/login", null, "{\"login\":\"" + login + "\",\"password\":\"secret-two\"}"),
        401);
  }

  @Test
  void keys_are_per_caller_and_a_keyed_request_for_a_taken_login_is_409_every_time() {
    String otherAdminLogin = uniqueLogin();
    one.createUser(admin, otherAdminLogin, "admin");
    String otherAdmin = one.login(otherAdminLogin);
    String k = "create-" + UUID.randomUUID();
    String login = uniqueLogin();
    String otherLogin = uniqueLogin();

    Http.Response mine = one.post("/api/users", admin, body(login, "Popug", "secret-one"), key(k));
    Http.Response theirs =
        two.post("/api/users", otherAdmin, body(otherLogin, "Popug", "secret-one"), key(k));
    assertEquals(201, mine.status(), mine.body());
    assertEquals(201, theirs.status(), theirs.body());
    assertEquals(otherLogin, theirs.json().get("login").asText(), "the other caller's own key");

    String taken = "taken-" + UUID.randomUUID();
    assertProblem(
        two.post("/api/users", otherAdmin, body(login, "Popug", "secret-one"), key(taken)), 409);
    assertProblem(
        one.post("/api/users", otherAdmin, body(login, "Popug", "secret-one"), key(taken)), 409);
  }

  @Test
  void a_key_survives_a_restart_of_every_node() {
    String login = uniqueLogin();
    String k = "create-" + UUID.randomUUID();
    Http.Response created =
        one.post("/api/users", admin, body(login, "Popug", "secret-one"), key(k));
    assertEquals(201, created.status(), created.body());

    stopCluster();
    startCluster();

    Http.Response afterRestart =
        two.post("/api/users", admin, body(login, "Popug", "secret-one"), key(k));
    assertEquals(201, afterRestart.status(), afterRestart.body());
    assertEquals(created.json(), afterRestart.json());
    String otherLogin = uniqueLogin();
    assertProblem(
        one.post("/api/users", admin, body(otherLogin, "Popug", "secret-one"), key(k)), 422);
    assertNoUser(otherLogin);
    assertEquals(1, registeredEventsOf(created.json().get("userId").asText()));
  }
}
