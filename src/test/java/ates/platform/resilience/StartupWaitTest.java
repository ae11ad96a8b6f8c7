package ates.platform.resilience;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ates.platform.infra.EmbeddedKafka;
import ates.platform.infra.EmbeddedPostgresServer;
import ates.testing.Http;
import ates.testing.IntegrationTest;
import ates.testing.NodeProcess;
import ates.testing.TestInfra;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * A node started before its database and Kafka: it keeps running, not ready, while they are down,
 * and becomes ready by itself once they are up.
 */
@IntegrationTest
class StartupWaitTest {

  @Test
  void a_node_waits_for_its_database_and_kafka_and_becomes_ready() throws Exception {
    TestInfra infra = TestInfra.get();
    TestInfra.NodeSetup setup = infra.newNode();
    Path dir = Files.createTempDirectory("ates-startup-wait-");
    int pgPort = TestInfra.freePort();
    int kafkaPort = TestInfra.freePort();
    int controllerPort = TestInfra.freePort();
    int httpPort = TestInfra.freePort();
    int managementPort = TestInfra.freePort();
    Map<String, String> env =
        new java.util.HashMap<>(infra.nodeEnvironment(setup, "identity", httpPort, managementPort));
    env.put("ATES_DB_URL", "jdbc:postgresql://127.0.0.1:" + pgPort);
    env.put("ATES_KAFKA_BOOTSTRAP", "127.0.0.1:" + kafkaPort);
    env.put("ATES_STARTUP_MAX_BACKOFF", "2s");
    Path log = Path.of("target", "startup-wait-node.log");
    Files.deleteIfExists(log);

    NodeProcess node = NodeProcess.launch(env, httpPort, managementPort, log);
    EmbeddedPostgresServer pg = null;
    EmbeddedKafka kafka = null;
    try {
      // neither is up: the node stays alive and not ready
      await()
          .during(Duration.ofSeconds(6))
          .atMost(Duration.ofSeconds(8))
          .until(() -> node.isAlive() && !node.isReady());
      assertTrue(Files.readString(log).contains("not available yet"), "logs its waiting");

      pg = EmbeddedPostgresServer.start(dir.resolve("postgres"), pgPort);
      // the database is up, Kafka still is not: still waiting
      await()
          .during(Duration.ofSeconds(4))
          .atMost(Duration.ofSeconds(6))
          .until(() -> node.isAlive() && !node.isReady());

      kafka = EmbeddedKafka.start(dir.resolve("kafka"), kafkaPort, controllerPort);
      node.awaitReady(log);
      String admin = new Http(httpPort).login("admin", TestInfra.ADMIN_PASSWORD);
      assertEquals(200, new Http(httpPort).get("/api/users/me", admin).status());
    } finally {
      node.stop();
      if (kafka != null) kafka.close();
      if (pg != null) pg.close();
    }
  }
}
