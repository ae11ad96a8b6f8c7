package ates.testing;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.Predicate;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;

/**
 * Reads a topic from the beginning with Kafka's own consumer (not our code), collecting records
 * until a condition holds on all that has been read.
 */
public final class TopicReader {

  private TopicReader() {}

  /**
   * Reads every record the topic holds now: from the beginning of each partition up to its end
   * offset at the time of the call (a consistent "everything published so far").
   */
  public static List<ConsumerRecord<String, byte[]>> readToEnd(
      String bootstrap, String topic, Duration timeout) {
    Map<String, Object> props =
        Map.of(
            ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG,
            bootstrap,
            ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG,
            false,
            ConsumerConfig.MAX_POLL_RECORDS_CONFIG,
            5000);
    List<ConsumerRecord<String, byte[]>> records = new ArrayList<>();
    try (KafkaConsumer<String, byte[]> consumer =
        new KafkaConsumer<>(props, new StringDeserializer(), new ByteArrayDeserializer())) {
      List<TopicPartition> partitions =
          consumer.partitionsFor(topic, timeout).stream()
              .map(p -> new TopicPartition(topic, p.partition()))
              .toList();
      consumer.assign(partitions);
      consumer.seekToBeginning(partitions);
      Map<TopicPartition, Long> ends = consumer.endOffsets(partitions, timeout);
      long deadline = System.nanoTime() + timeout.toNanos();
      while (System.nanoTime() < deadline) {
        boolean done = true;
        for (TopicPartition tp : partitions) {
          if (consumer.position(tp) < ends.get(tp)) done = false;
        }
        if (done) return records;
        consumer.poll(Duration.ofMillis(200)).forEach(records::add);
      }
    }
    throw new AssertionError(
        "Timed out after "
            + timeout
            + " reading "
            + topic
            + " to its end ("
            + records.size()
            + ")");
  }

  public static List<ConsumerRecord<String, byte[]>> readUntil(
      String bootstrap,
      String topic,
      Duration timeout,
      Predicate<List<ConsumerRecord<String, byte[]>>> done) {
    Map<String, Object> props =
        Map.of(
            ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG,
            bootstrap,
            ConsumerConfig.GROUP_ID_CONFIG,
            "test-reader-" + UUID.randomUUID(),
            ConsumerConfig.AUTO_OFFSET_RESET_CONFIG,
            "earliest",
            ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG,
            false);
    List<ConsumerRecord<String, byte[]>> records = new ArrayList<>();
    try (KafkaConsumer<String, byte[]> consumer =
        new KafkaConsumer<>(props, new StringDeserializer(), new ByteArrayDeserializer())) {
      consumer.subscribe(List.of(topic));
      long deadline = System.nanoTime() + timeout.toNanos();
      while (System.nanoTime() < deadline) {
        consumer.poll(Duration.ofMillis(200)).forEach(records::add);
        if (done.test(records)) return records;
      }
    }
    throw new AssertionError(
        "Timed out after "
            + timeout
            + " reading "
            + topic
            + " ("
            + records.size()
            + " records read)");
  }
}
