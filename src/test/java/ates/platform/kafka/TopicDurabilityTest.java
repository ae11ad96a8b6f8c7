package ates.platform.kafka;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ates.platform.Metrics;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The durability every topic is created with, and what counts as weaker on an existing one. */
class TopicDurabilityTest {

  @Test
  void min_insync_replicas_is_two_when_there_are_two_replicas() {
    assertEquals(1, TopicDurability.minInsyncReplicas(1));
    assertEquals(2, TopicDurability.minInsyncReplicas(2));
    assertEquals(2, TopicDurability.minInsyncReplicas(3));
    assertEquals(
        Map.of("min.insync.replicas", "2", "unclean.leader.election.enable", "false"),
        TopicDurability.topicConfig(3));
  }

  @Test
  void a_topic_as_created_is_not_weak() {
    assertTrue(
        TopicDurability.check("Users", 3, TopicDurability.topicConfig(3), 3).isEmpty(),
        "created settings are never weak");
  }

  @Test
  void each_weaker_setting_is_reported() {
    List<TopicDurability.Weakness> weak =
        TopicDurability.check(
            "Users",
            2,
            Map.of("min.insync.replicas", "1", "unclean.leader.election.enable", "true"),
            3);
    assertEquals(
        List.of(
            new TopicDurability.Weakness("Users", "replication.factor", "2", "3"),
            new TopicDurability.Weakness("Users", "min.insync.replicas", "1", "2"),
            new TopicDurability.Weakness(
                "Users", "unclean.leader.election.enable", "true", "false")),
        weak);
  }

  @Test
  void weak_settings_are_on_metrics() {
    Metrics metrics = new Metrics();
    metrics.kafkaTopicWeaknesses(
        List.of(new TopicDurability.Weakness("Users", "min.insync.replicas", "1", "2")));
    String scrape = metrics.scrape();
    assertTrue(
        scrape.contains(
            "ates_kafka_topic_weak_settings{setting=\"min.insync.replicas\",topic=\"Users\"} 1"),
        scrape);
    assertTrue(scrape.contains("ates_kafka_topics_weak 1"), scrape);
  }
}
