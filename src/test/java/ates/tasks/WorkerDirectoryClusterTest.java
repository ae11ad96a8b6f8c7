package ates.tasks;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;

import ates.Main;
import ates.platform.AtesNode;
import ates.testing.Http;
import ates.testing.IntegrationTest;
import ates.testing.TestInfra;
import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import java.time.Duration;
import java.util.Arrays;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Three tasks nodes share the worker directory through Distributed Data: a worker registered
 * through identity is assigned tasks on all three, and once promoted to manager no node assigns it
 * a task within 2 s of the change (the only worker: creating a task answers 409), with no polling
 * of the table. The directory survives the loss of a node: the two left still know the promotion.
 */
@IntegrationTest
class WorkerDirectoryClusterTest {

  private static final Duration EVERYWHERE = Duration.ofSeconds(2);

  @Test
  void a_promoted_worker_stops_receiving_tasks_on_every_node_within_two_seconds() {
    TestInfra infra = TestInfra.get();
    TestInfra.NodeSetup setup = infra.newNode();
    Config firstConfig = infra.nodeConfig(setup, "identity,tasks");
    Config secondConfig = infra.nodeConfig(setup, "tasks");
    Config thirdConfig = infra.nodeConfig(setup, "tasks");
    String firstPoint = "127.0.0.1:" + firstConfig.getInt("akka.management.http.port");
    String secondPoint = "127.0.0.1:" + secondConfig.getInt("akka.management.http.port");
    String thirdPoint = "127.0.0.1:" + thirdConfig.getInt("akka.management.http.port");
    AtesNode first = AtesNode.start(withContactPoints(firstConfig, firstPoint), Main.services());
    AtesNode second = null;
    AtesNode third = null;
    try {
      second =
          AtesNode.start(
              withContactPoints(secondConfig, firstPoint + "," + secondPoint), Main.services());
      third =
          AtesNode.start(
              withContactPoints(thirdConfig, firstPoint + "," + thirdPoint), Main.services());
      Http one = new Http(first.httpPort());
      Http two = new Http(second.httpPort());
      Http three = new Http(third.httpPort());
      Http[] nodes = {one, two, three};
      String admin = one.login("admin", TestInfra.ADMIN_PASSWORD);
      String worker = one.createUser(admin, "ddworker", "worker").get("userId").asText();

      // every node learns of the worker and assigns it tasks
      for (Http node : nodes) {
        await()
            .atMost(Duration.ofSeconds(30))
            .until(
                () -> {
                  Http.Response r = createTask(node, admin);
                  return r.status() == 201 && worker.equals(r.json().get("assigneeId").asText());
                });
      }

      Http.Response promoted =
          one.put("/api/users/" + worker + "/role", admin, "{\"role\":\"manager\"}");
      assertEquals(200, promoted.status(), promoted.body());
      long changedAt = System.nanoTime();
      // the change reaches the tasks nodes through the Users topic; the consuming node writes it
      // to the replicated directory, and every node stops assigning to the promoted user
      await()
          .atMost(Duration.ofSeconds(10))
          .pollInterval(Duration.ofMillis(50))
          .until(() -> Arrays.stream(nodes).anyMatch(n -> createTask(n, admin).status() == 409));
      long firstNodeAt = System.nanoTime();
      await()
          .atMost(EVERYWHERE)
          .pollInterval(Duration.ofMillis(50))
          .untilAsserted(
              () -> {
                for (Http n : nodes) assertEquals(409, createTask(n, admin).status());
              });
      System.out.printf(
          "promoted worker: first node stopped assigning %d ms after the change, every node %d ms"
              + " after the first%n",
          (firstNodeAt - changedAt) / 1_000_000, (System.nanoTime() - firstNodeAt) / 1_000_000);

      // the directory survives the loss of a node: the two left still refuse the manager, and
      // both learn of a worker registered afterwards
      second.stop();
      second = null;
      for (Http n : new Http[] {one, three}) assertEquals(409, createTask(n, admin).status());
      String next = one.createUser(admin, "ddworker2", "worker").get("userId").asText();
      for (Http n : new Http[] {one, three}) {
        await()
            .atMost(Duration.ofSeconds(30))
            .until(
                () -> {
                  Http.Response r = createTask(n, admin);
                  return r.status() == 201 && next.equals(r.json().get("assigneeId").asText());
                });
      }
    } finally {
      if (third != null) third.stop();
      if (second != null) second.stop();
      first.stop();
    }
  }

  private static Http.Response createTask(Http node, String token) {
    return node.post(
        "/api/tasks", token, "{\"title\":\"dd task\",\"description\":\"replicated directory\"}");
  }

  private static Config withContactPoints(Config config, String contactPoints) {
    return ConfigFactory.parseMap(Map.of("ates.contact-points", contactPoints))
        .withFallback(config);
  }
}
