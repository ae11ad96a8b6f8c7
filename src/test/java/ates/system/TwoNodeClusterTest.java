package ates.system;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;

import ates.Main;
import ates.platform.AtesNode;
import ates.testing.Http;
import ates.testing.IntegrationTest;
import ates.testing.TestInfra;
import com.fasterxml.jackson.databind.JsonNode;
import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * Two nodes on the same databases and topics form one cluster through {@code ATES_CONTACT_POINTS}
 * ({@code ates.contact-points}): a token issued by one node is refused by the other within 2 s of a
 * role change made through the first (http-api.md, Tokens), and each node sees both members.
 */
@IntegrationTest
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class TwoNodeClusterTest {

  private static final Duration ROLE_CHANGE_EVERYWHERE = Duration.ofSeconds(2);

  private AtesNode first;
  private AtesNode second;

  @BeforeAll
  void start() {
    TestInfra infra = TestInfra.get();
    TestInfra.NodeSetup setup = infra.newNode();
    Config firstConfig = infra.nodeConfig(setup, "identity,tasks");
    Config secondConfig = infra.nodeConfig(setup, "identity");
    String firstPoint = "127.0.0.1:" + firstConfig.getInt("akka.management.http.port");
    String secondPoint = "127.0.0.1:" + secondConfig.getInt("akka.management.http.port");
    // the first node forms the cluster; the second, given both points, finds it there and joins
    first = AtesNode.start(withContactPoints(firstConfig, firstPoint), Main.services());
    second =
        AtesNode.start(
            withContactPoints(secondConfig, firstPoint + "," + secondPoint), Main.services());
  }

  private static Config withContactPoints(Config config, String contactPoints) {
    return ConfigFactory.parseMap(Map.of("ates.contact-points", contactPoints))
        .withFallback(config);
  }

  @AfterAll
  void stop() {
    if (second != null) second.stop();
    if (first != null) first.stop();
  }

  @Test
  void the_nodes_form_one_cluster_and_a_role_change_revokes_old_tokens_on_both() {
    Http one = new Http(first.httpPort());
    Http two = new Http(second.httpPort());
    for (AtesNode node : new AtesNode[] {first, second}) {
      Http management = new Http(node.managementPort());
      await()
          .atMost(Duration.ofSeconds(30))
          .untilAsserted(
              () -> {
                JsonNode members = management.get("/cluster/members", null).json();
                assertEquals(2, members.get("members").size(), members.toString());
              });
    }

    String admin = one.login("admin", TestInfra.ADMIN_PASSWORD);
    String userId = one.createUser(admin, "clustered", "manager").get("userId").asText();
    String issuedBySecond = two.login("clustered");
    assertEquals(200, one.get("/api/users", issuedBySecond).status(), "accepted by the first");
    assertEquals(200, two.get("/api/users", issuedBySecond).status(), "accepted by the second");

    Http.Response changed =
        one.put("/api/users/" + userId + "/role", admin, "{\"role\":\"accountant\"}");
    assertEquals(200, changed.status(), changed.body());
    long changedAt = System.nanoTime();

    await()
        .atMost(ROLE_CHANGE_EVERYWHERE)
        .pollInterval(Duration.ofMillis(50))
        .untilAsserted(
            () -> {
              assertEquals(401, two.get("/api/users/me", issuedBySecond).status());
              assertEquals(401, one.get("/api/users/me", issuedBySecond).status());
            });
    System.out.printf(
        "old token refused on both nodes %d ms after the change was answered%n",
        (System.nanoTime() - changedAt) / 1_000_000);
    String fresh = two.login("clustered");
    assertEquals("accountant", one.get("/api/users/me", fresh).json().get("role").asText());
  }
}
