package ates.platform.kafka;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ates.contract.Topics;
import ates.testing.IntegrationTest;
import ates.testing.TestInfra;
import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.config.ConfigResource;
import org.junit.jupiter.api.Test;

/**
 * On a real broker: topics are created with min.insync.replicas and without unclean leader
 * election; an existing topic created weaker by someone else is reported.
 */
@IntegrationTest
class TopicDurabilityCheckTest {

  @Test
  void new_topics_are_durable_and_an_existing_weak_one_is_reported() throws Exception {
    TestInfra infra = TestInfra.get();
    TestInfra.NodeSetup setup = infra.newNode();
    Config config = infra.nodeConfig(setup, "identity").withFallback(ConfigFactory.load());
    String weakTopic = setup.topic(Topics.ALL.get(0));
    try (Admin admin =
        Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, infra.kafkaBootstrap()))) {
      admin
          .createTopics(
              List.of(
                  new NewTopic(weakTopic, 1, (short) 1)
                      .configs(Map.of("unclean.leader.election.enable", "true"))))
          .all()
          .get(30, TimeUnit.SECONDS);

      List<TopicDurability.Weakness> weak =
          KafkaPlatform.ensureTopics(infra.kafkaBootstrap(), config);

      assertEquals(
          List.of(
              new TopicDurability.Weakness(
                  weakTopic, "unclean.leader.election.enable", "true", "false")),
          weak);
      String created = setup.topic(Topics.ALL.get(1));
      ConfigResource resource = new ConfigResource(ConfigResource.Type.TOPIC, created);
      var entries =
          admin.describeConfigs(List.of(resource)).all().get(30, TimeUnit.SECONDS).get(resource);
      assertEquals("1", entries.get("min.insync.replicas").value(), "min(2, RF 1)");
      assertEquals("false", entries.get("unclean.leader.election.enable").value());
      assertTrue(
          entries.get("unclean.leader.election.enable").source()
              == org.apache.kafka.clients.admin.ConfigEntry.ConfigSource.DYNAMIC_TOPIC_CONFIG,
          "set on the topic itself, not left to the broker");
    }
  }
}
