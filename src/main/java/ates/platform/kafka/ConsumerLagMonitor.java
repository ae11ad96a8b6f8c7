package ates.platform.kafka;

import akka.Done;
import akka.actor.CoordinatedShutdown;
import akka.actor.typed.ActorSystem;
import ates.platform.Metrics;
import ates.platform.kafka.KafkaPlatform.ConsumerOffset;
import ates.platform.kafka.KafkaPlatform.StoredOffsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.ListConsumerGroupOffsetsResult;
import org.apache.kafka.clients.admin.ListConsumerGroupOffsetsSpec;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Samples the lag of the node's consumers every {@code ates.kafka.lag-interval} into {@code
 * ates_consumer_lag}: for each Kafka group the node runs, end offset minus committed offset on
 * every partition it has committed; for each consumer that stores its offsets itself, end offset
 * minus its stored next offset. One sample costs two Admin calls whatever the number of groups (the
 * groups' committed offsets, then the end offsets of all their partitions) plus one read of each
 * stored-offsets table. It runs on a thread of its own, never on the actor threads; a failed sample
 * is logged and the previous one stays. The Admin client closes in CoordinatedShutdown.
 */
public final class ConsumerLagMonitor {

  private static final Logger log = LoggerFactory.getLogger(ConsumerLagMonitor.class);
  private static final long CALL_TIMEOUT_SECONDS = 10;

  private final KafkaPlatform kafka;
  private final Metrics metrics;
  private final Admin admin;

  private ConsumerLagMonitor(KafkaPlatform kafka, Metrics metrics, Admin admin) {
    this.kafka = kafka;
    this.metrics = metrics;
    this.admin = admin;
  }

  public static void start(ActorSystem<?> system, KafkaPlatform kafka, Metrics metrics) {
    Duration interval = system.settings().config().getDuration("ates.kafka.lag-interval");
    Admin admin =
        Admin.create(
            Map.of(
                AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG,
                kafka.bootstrapServers(),
                AdminClientConfig.CLIENT_ID_CONFIG,
                "ates-consumer-lag"));
    ConsumerLagMonitor monitor = new ConsumerLagMonitor(kafka, metrics, admin);
    ScheduledExecutorService thread =
        Executors.newSingleThreadScheduledExecutor(
            r -> {
              Thread t = new Thread(r, "ates-consumer-lag");
              t.setDaemon(true);
              return t;
            });
    thread.scheduleWithFixedDelay(
        monitor::sampleQuietly, interval.toMillis(), interval.toMillis(), TimeUnit.MILLISECONDS);
    CoordinatedShutdown.get(system)
        .addTask(
            CoordinatedShutdown.PhaseServiceStop(),
            "stop-consumer-lag",
            () ->
                CompletableFuture.supplyAsync(
                    () -> {
                      thread.shutdownNow();
                      admin.close(Duration.ofSeconds(5));
                      return Done.getInstance();
                    }));
  }

  private void sampleQuietly() {
    try {
      metrics.consumerLag(sample());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (Exception e) {
      log.warn("Consumer lag not sampled: {}", e.toString());
    }
  }

  private List<Metrics.ConsumerLag> sample() throws Exception {
    List<ConsumerOffset> offsets = new ArrayList<>(committedOffsets(kafka.consumerGroups()));
    for (StoredOffsets stored : kafka.storedOffsets()) {
      offsets.addAll(
          stored.read().toCompletableFuture().get(CALL_TIMEOUT_SECONDS, TimeUnit.SECONDS));
    }
    return lag(offsets, endOffsets(offsets));
  }

  /** One call for all groups; a group that has committed nothing has no rows. */
  private List<ConsumerOffset> committedOffsets(Set<String> groups) throws Exception {
    if (groups.isEmpty()) return List.of();
    Map<String, ListConsumerGroupOffsetsSpec> specs =
        groups.stream().collect(Collectors.toMap(g -> g, g -> new ListConsumerGroupOffsetsSpec()));
    ListConsumerGroupOffsetsResult result = admin.listConsumerGroupOffsets(specs);
    List<ConsumerOffset> offsets = new ArrayList<>();
    for (String group : groups) {
      Map<TopicPartition, OffsetAndMetadata> committed;
      try {
        committed =
            result.partitionsToOffsetAndMetadata(group).get(CALL_TIMEOUT_SECONDS, TimeUnit.SECONDS);
      } catch (ExecutionException e) {
        log.debug("No committed offsets of {}: {}", group, e.getCause().toString());
        continue;
      }
      committed.forEach(
          (tp, om) -> {
            if (om != null) {
              offsets.add(new ConsumerOffset(group, tp.topic(), tp.partition(), om.offset()));
            }
          });
    }
    return offsets;
  }

  /** One call for every partition any consumer has an offset on. */
  private Map<TopicPartition, Long> endOffsets(List<ConsumerOffset> offsets)
      throws InterruptedException, ExecutionException, TimeoutException {
    Set<TopicPartition> partitions = new HashSet<>();
    for (ConsumerOffset o : offsets) partitions.add(new TopicPartition(o.topic(), o.partition()));
    if (partitions.isEmpty()) return Map.of();
    Map<TopicPartition, OffsetSpec> latest = new HashMap<>();
    for (TopicPartition tp : partitions) latest.put(tp, OffsetSpec.latest());
    Map<TopicPartition, Long> ends = new HashMap<>();
    admin
        .listOffsets(latest)
        .all()
        .get(CALL_TIMEOUT_SECONDS, TimeUnit.SECONDS)
        .forEach((tp, info) -> ends.put(tp, info.offset()));
    return ends;
  }

  /**
   * The lag of each consumer offset whose partition's end is known: end minus next offset, never
   * below zero (an end read before a commit that overtook it). Sorted, for a stable scrape.
   */
  static List<Metrics.ConsumerLag> lag(
      List<ConsumerOffset> offsets, Map<TopicPartition, Long> endOffsets) {
    List<Metrics.ConsumerLag> lags = new ArrayList<>();
    for (ConsumerOffset o : offsets) {
      Long end = endOffsets.get(new TopicPartition(o.topic(), o.partition()));
      if (end == null) continue;
      lags.add(
          new Metrics.ConsumerLag(
              o.consumer(), o.topic(), o.partition(), Math.max(0, end - o.nextOffset())));
    }
    lags.sort(
        Comparator.comparing(Metrics.ConsumerLag::group)
            .thenComparing(Metrics.ConsumerLag::topic)
            .thenComparingInt(Metrics.ConsumerLag::partition));
    return lags;
  }
}
