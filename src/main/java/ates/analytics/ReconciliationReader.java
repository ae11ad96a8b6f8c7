package ates.analytics;

import ates.contract.EventJson;
import ates.contract.InvalidEventException;
import ates.contract.Topics;
import java.time.Duration;
import java.time.LocalDate;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndTimestamp;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads {@code TaskAssigned}, {@code TaskCompleted} and {@code TransactionCreated} for the
 * reconciliation with a plain consumer of its own (no group, nothing committed, no other service's
 * database), each partition up to the end offset captured when the read starts. It starts at the
 * first record written one hour before the day's start in the billing zone ({@code
 * offsetsForTimes}): a record is written after the movement it reports (its timestamp is the
 * producer's send time), so nothing of the day is earlier, clocks agreeing within the hour. Records
 * that cannot be parsed or validated are skipped (their consumers dead-letter them). The consumer
 * is kept between reads (reads are serialized); a Kafka failure closes it and the next read makes a
 * new one.
 */
final class ReconciliationReader implements AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(ReconciliationReader.class);

  /** How long before the day's start a read begins: the clock skew it tolerates. */
  static final Duration MARGIN = Duration.ofHours(1);

  static final List<String> TOPICS =
      List.of(Topics.TASK_ASSIGNED, Topics.TASK_COMPLETED, Topics.TRANSACTION_CREATED);

  /** Kafka did not answer, or failed, within the read's time: try again later. */
  static final class Unavailable extends TimeoutException {
    Unavailable(String message) {
      super(message);
    }
  }

  private final String bootstrapServers;
  private final String topicPrefix;
  private final Duration timeout;
  private KafkaConsumer<String, byte[]> consumer;

  ReconciliationReader(String bootstrapServers, String topicPrefix, Duration timeout) {
    this.bootstrapServers = bootstrapServers;
    this.topicPrefix = topicPrefix;
    this.timeout = timeout;
  }

  /** Every record of the three topics that concerns {@code date}, each counted once. */
  synchronized Reconciliation.Tally read(LocalDate date, ZoneId zone) throws Unavailable {
    try {
      return readWith(consumer(), date, zone);
    } catch (KafkaException | IllegalStateException e) {
      closeConsumer();
      throw new Unavailable("Kafka at " + bootstrapServers + ": " + e.getMessage());
    } catch (Unavailable e) {
      closeConsumer();
      throw e;
    }
  }

  private Reconciliation.Tally readWith(
      KafkaConsumer<String, byte[]> consumer, LocalDate date, ZoneId zone) throws Unavailable {
    long deadline = System.nanoTime() + timeout.toNanos();
    List<TopicPartition> partitions = new ArrayList<>();
    for (String topic : TOPICS) {
      List<PartitionInfo> infos = consumer.partitionsFor(topicPrefix + topic, timeout);
      if (infos == null) continue; // not created yet: nothing in it
      for (PartitionInfo p : infos) partitions.add(new TopicPartition(p.topic(), p.partition()));
    }
    consumer.assign(partitions);
    consumer.resume(consumer.paused());
    Map<TopicPartition, Long> end = consumer.endOffsets(partitions, timeout);
    // Kafka refuses a negative time: a day near 1970-01-01 reads from the first record
    long from = Math.max(0, date.atStartOfDay(zone).toInstant().minus(MARGIN).toEpochMilli());
    Map<TopicPartition, Long> at = new HashMap<>();
    partitions.forEach(tp -> at.put(tp, from));
    Map<TopicPartition, OffsetAndTimestamp> starts = consumer.offsetsForTimes(at, timeout);
    Set<TopicPartition> pending = new HashSet<>();
    for (TopicPartition tp : partitions) {
      OffsetAndTimestamp start = starts.get(tp);
      if (start != null && start.offset() < end.get(tp)) {
        consumer.seek(tp, start.offset());
        pending.add(tp);
      }
    }
    List<TopicPartition> done = new ArrayList<>(partitions);
    done.removeAll(pending);
    consumer.pause(done);

    Reconciliation.Tally tally = new Reconciliation.Tally(date, zone);
    long skipped = 0;
    while (!pending.isEmpty()) {
      if (System.nanoTime() > deadline)
        throw new Unavailable(
            "Kafka at " + bootstrapServers + ": topics not read to their end within " + timeout);
      for (ConsumerRecord<String, byte[]> r : consumer.poll(Duration.ofMillis(100))) {
        TopicPartition tp = new TopicPartition(r.topic(), r.partition());
        if (r.offset() >= end.get(tp)) continue;
        try {
          tally.add(EventJson.decode(r.value()));
        } catch (InvalidEventException e) {
          skipped++;
        }
      }
      List<TopicPartition> finished = new ArrayList<>();
      for (TopicPartition tp : pending) {
        if (consumer.position(tp, timeout) >= end.get(tp)) finished.add(tp);
      }
      finished.forEach(pending::remove);
      consumer.pause(finished);
    }
    if (skipped > 0) log.warn("Reconciliation of {} skipped {} unreadable records", date, skipped);
    return tally;
  }

  private KafkaConsumer<String, byte[]> consumer() {
    if (consumer == null) {
      Map<String, Object> props = new HashMap<>();
      props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
      props.put(ConsumerConfig.CLIENT_ID_CONFIG, "ates-reconciliation");
      props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
      props.put(ConsumerConfig.ALLOW_AUTO_CREATE_TOPICS_CONFIG, false);
      props.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 2000);
      props.put(ConsumerConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, (int) timeout.toMillis());
      consumer = new KafkaConsumer<>(props, new StringDeserializer(), new ByteArrayDeserializer());
    }
    return consumer;
  }

  private void closeConsumer() {
    if (consumer != null) {
      try {
        consumer.close(Duration.ofSeconds(1));
      } catch (RuntimeException e) {
        log.debug("Closing the reconciliation consumer: {}", e.toString());
      }
      consumer = null;
    }
  }

  @Override
  public synchronized void close() {
    closeConsumer();
  }
}
