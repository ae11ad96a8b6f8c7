package ates.platform.kafka;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ates.platform.Metrics;
import ates.platform.kafka.KafkaPlatform.ConsumerOffset;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;

/**
 * Consumer lag: given consumers' next offsets and the partitions' end offsets, the lag is end minus
 * next offset per group, topic and partition, as {@code ates_consumer_lag} shows it.
 */
class ConsumerLagTest {

  @Test
  void lag_is_end_offset_minus_next_offset_per_group_topic_and_partition() {
    List<ConsumerOffset> offsets =
        List.of(
            new ConsumerOffset("tasks-users", "Users", 1, 7),
            new ConsumerOffset("tasks-users", "Users", 0, 10),
            new ConsumerOffset("analytics", "Users", 0, 4));
    Map<TopicPartition, Long> ends =
        Map.of(new TopicPartition("Users", 0), 10L, new TopicPartition("Users", 1), 12L);

    assertEquals(
        List.of(
            new Metrics.ConsumerLag("analytics", "Users", 0, 6),
            new Metrics.ConsumerLag("tasks-users", "Users", 0, 0),
            new Metrics.ConsumerLag("tasks-users", "Users", 1, 5)),
        ConsumerLagMonitor.lag(offsets, ends));
  }

  @Test
  void a_commit_past_the_end_read_earlier_is_no_lag_and_an_unknown_end_no_series() {
    List<ConsumerOffset> offsets =
        List.of(
            new ConsumerOffset("g", "Users", 0, 11), new ConsumerOffset("g", "TaskAssigned", 0, 3));

    assertEquals(
        List.of(new Metrics.ConsumerLag("g", "Users", 0, 0)),
        ConsumerLagMonitor.lag(offsets, Map.of(new TopicPartition("Users", 0), 10L)));
  }

  @Test
  void the_scrape_shows_the_latest_sample_only() {
    Metrics metrics = new Metrics();
    metrics.consumerLag(List.of(new Metrics.ConsumerLag("g", "Users", 2, 5)));
    metrics.consumerLag(List.of(new Metrics.ConsumerLag("g", "TaskAssigned", 0, 3)));

    String scrape = metrics.scrape();
    assertTrue(
        scrape.contains(
            "ates_consumer_lag{group=\"g\",partition=\"0\",topic=\"TaskAssigned\"} 3.0"),
        scrape);
    assertFalse(scrape.contains("topic=\"Users\""), scrape);
  }
}
