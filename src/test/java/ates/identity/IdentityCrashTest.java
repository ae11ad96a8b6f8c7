package ates.identity;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import ates.contract.EventJson;
import ates.contract.Topics;
import ates.testing.Http;
import ates.testing.IntegrationTest;
import ates.testing.NodeProcess;
import ates.testing.TestInfra;
import ates.testing.TopicReader;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * A node killed with SIGKILL right after registering users: after a restart every user is there and
 * can log in, and a {@code UserRegistered} published again carries the same {@code eventId}.
 */
@IntegrationTest
class IdentityCrashTest {

  @Test
  void users_survive_sigkill_and_republished_events_keep_their_ids() {
    TestInfra infra = TestInfra.get();
    TestInfra.NodeSetup setup = infra.newNode();
    Path log = Path.of("target", "identity-crash-node.log");
    int httpPort = TestInfra.freePort();
    int managementPort = TestInfra.freePort();
    Map<String, String> env = infra.nodeEnvironment(setup, "identity", httpPort, managementPort);

    NodeProcess node = NodeProcess.start(env, httpPort, managementPort, log);
    Http http = new Http(httpPort);
    String admin = http.login("admin", TestInfra.ADMIN_PASSWORD);
    List<String> logins = new ArrayList<>();
    List<String> userIds = new ArrayList<>();
    for (int i = 0; i < 5; i++) {
      String login = "k" + UUID.randomUUID().toString().replace("-", "").substring(0, 10);
      Http.Response r =
          http.post(
              "/api/users",
              admin,
              "{\"login\":\""
                  + login
                  + "\",\"password\":\"pw-"
                  + login
                  + "\",\"fullName\":\"K\","
                  + "\"email\":\""
                  + login
                  + "@ex.com\",\"role\":\"worker\"}");
      assertEquals(201, r.status(), r.body());
      logins.add(login);
      userIds.add(r.json().get("userId").asText());
    }
    node.kill();

    node = NodeProcess.start(env, httpPort, managementPort, log);
    try {
      for (int i = 0; i < logins.size(); i++) {
        String token = http.login(logins.get(i), "pw-" + logins.get(i));
        assertEquals(
            userIds.get(i), http.get("/api/users/me", token).json().get("userId").asText());
      }
      Set<String> keys = Set.copyOf(userIds);
      var records =
          TopicReader.readUntil(
              infra.kafkaBootstrap(),
              setup.topic(Topics.USERS),
              Duration.ofSeconds(60),
              rs ->
                  rs.stream()
                          .map(r -> r.key())
                          .filter(keys::contains)
                          .collect(Collectors.toSet())
                          .size()
                      == keys.size());
      for (String userId : userIds) {
        Set<String> eventIds =
            records.stream()
                .filter(r -> userId.equals(r.key()))
                .map(r -> EventJson.decode(r.value()))
                .filter(e -> e.eventName().equals("UserRegistered"))
                .map(e -> e.eventId().toString())
                .collect(Collectors.toSet());
        assertFalse(eventIds.isEmpty());
        assertEquals(
            1, eventIds.size(), "republished UserRegistered of " + userId + " kept its eventId");
      }
    } finally {
      node.stop();
    }
  }
}
