package ates.testing;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.Collection;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;

/** Awaits a consumer group having committed everything on a topic (its lag reaching zero). */
public final class ConsumerLag {

  private ConsumerLag() {}

  /**
   * Awaits the records of {@code keys} on the topic (published: a publisher may still be behind),
   * then the group having committed everything on it. Use this after creating what a consumer must
   * have seen: {@link #awaitCaughtUp} alone returns at once while nothing is published yet.
   */
  public static void awaitConsumed(
      String bootstrap, String group, String topic, Collection<String> keys, Duration timeout) {
    TopicReader.readUntil(
        bootstrap,
        topic,
        timeout,
        records ->
            records.stream()
                .map(ConsumerRecord::key)
                .collect(Collectors.toSet())
                .containsAll(keys));
    awaitCaughtUp(bootstrap, group, topic, timeout);
  }

  public static void awaitCaughtUp(String bootstrap, String group, String topic, Duration timeout) {
    try (Admin admin =
        Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap))) {
      await()
          .atMost(timeout)
          .pollInterval(Duration.ofMillis(200))
          .untilAsserted(
              () -> {
                var partitions =
                    admin
                        .describeTopics(java.util.List.of(topic))
                        .allTopicNames()
                        .get(10, TimeUnit.SECONDS)
                        .get(topic)
                        .partitions()
                        .stream()
                        .map(p -> new TopicPartition(topic, p.partition()))
                        .collect(Collectors.toMap(tp -> tp, tp -> OffsetSpec.latest()));
                var ends = admin.listOffsets(partitions).all().get(10, TimeUnit.SECONDS);
                Map<TopicPartition, OffsetAndMetadata> committed =
                    admin
                        .listConsumerGroupOffsets(group)
                        .partitionsToOffsetAndMetadata()
                        .get(10, TimeUnit.SECONDS);
                for (var end : ends.entrySet()) {
                  long endOffset = end.getValue().offset();
                  if (endOffset == 0) continue;
                  OffsetAndMetadata c = committed.get(end.getKey());
                  assertTrue(
                      c != null && c.offset() >= endOffset, group + " behind on " + end.getKey());
                }
              });
    }
  }
}
