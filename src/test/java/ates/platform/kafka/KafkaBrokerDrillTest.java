package ates.platform.kafka;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ates.Main;
import ates.contract.Topics;
import ates.platform.AtesNode;
import ates.testing.Http;
import ates.testing.IntegrationTest;
import ates.testing.KraftCluster;
import ates.testing.MoneyInvariants;
import ates.testing.TestInfra;
import ates.testing.TopicReader;
import ates.testing.Workload;
import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ConsumerGroupListing;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.Test;

/**
 * The Kafka drill of issue 12: three KRaft brokers in this JVM, a node (all services) creating its
 * topics at replication factor 3 and {@code min.insync.replicas} 2, steady creates and completions
 * over HTTP. The broker leading the most of the node's partitions (and of the consumer offsets) is
 * stopped without a controlled shutdown, held down for 20 s while the load goes on, and started
 * again. Then: no client request failed, every acknowledged create is on {@code TaskCreated}
 * exactly once, every fee and reward is booked once and balances add up, analytics agrees, every
 * consumer group's lag is back at zero, and the restarted broker is in sync again. Prints how long
 * publishing and consuming were held up.
 */
@IntegrationTest
class KafkaBrokerDrillTest {

  private static final Duration HOLD = Duration.ofSeconds(20);
  private static final Duration TIMEOUT = Duration.ofSeconds(60);
  private static final int CREATES_PER_SECOND = 8;
  private static final int WORKERS = 4;

  @Test
  void one_broker_of_three_stopped_under_load_loses_nothing_and_stalls_no_consumer()
      throws Exception {
    try (KraftCluster kafka = KraftCluster.start()) {
      TestInfra infra = TestInfra.get();
      TestInfra.NodeSetup setup = infra.newNode();
      Config config =
          ConfigFactory.parseMap(
                  Map.of(
                      "ates.kafka.bootstrap-servers",
                      kafka.bootstrapServers(),
                      "ates.kafka.topics.replication-factor",
                      3))
              .withFallback(infra.nodeConfig(setup, "all"));
      AtesNode node = AtesNode.start(config, Main.services());
      try {
        drill(kafka, setup, node);
      } finally {
        node.stop();
      }
    }
  }

  private void drill(KraftCluster kafka, TestInfra.NodeSetup setup, AtesNode node)
      throws Exception {
    List<String> topics = Topics.ALL.stream().map(setup::topic).toList();
    // given topics as production has them
    await()
        .atMost(TIMEOUT)
        .until(() -> kafka.underReplicated(topics).isEmpty() && kafka.leaders(topics).size() > 0);
    assertDurableTopics(kafka, topics);
    Http management = new Http(node.managementPort());
    assertTrue(
        management
            .get("/metrics", null)
            .body()
            .lines()
            .anyMatch(l -> l.matches("ates_kafka_topics_weak 0(\\.0)?")),
        "no weak topic reported");

    // and clients: a manager creating tasks, workers completing three of four
    Http http = new Http(node.httpPort());
    String admin = http.login("admin", TestInfra.ADMIN_PASSWORD);
    UUID lead = UUID.fromString(http.createUser(admin, "lead", "manager").get("userId").asText());
    Map<UUID, String> tokens = new HashMap<>();
    for (int i = 1; i <= WORKERS; i++) {
      UUID id =
          UUID.fromString(http.createUser(admin, "popug" + i, "worker").get("userId").asText());
      tokens.put(id, http.login("popug" + i));
    }
    Workload load =
        new Workload(
            () -> List.of(node.httpPort()),
            lead,
            http.login("lead"),
            tokens,
            Duration.ofSeconds(60));
    await()
        .atMost(TIMEOUT)
        .pollInterval(Duration.ofMillis(250))
        .until(() -> load.create("warm-up", () -> List.of(node.httpPort()), true).isPresent());
    load.failures.clear(); // 409 "no worker yet" while the worker directory filled up

    try (TopicWatch published =
            TopicWatch.start(kafka.bootstrapServers(), setup.topic(Topics.TASK_CREATED));
        StallMonitor consumers = StallMonitor.start(kafka, setup.topicPrefix())) {
      // when one broker is lost under steady load
      load.start(CREATES_PER_SECOND);
      hold(Duration.ofSeconds(10));
      int victim = busiestBroker(kafka, topics);
      long stoppedAt = System.nanoTime();
      kafka.stop(victim);
      System.out.printf(
          "KAFKA DRILL: stopped broker %d (no controlled shutdown) after %d creates%n",
          victim, load.created.size());
      hold(HOLD);
      int createdWhileDown = load.created.size();
      long restartAt = System.nanoTime();
      kafka.restart(victim);
      long restartedAt = System.nanoTime();
      CompletableFuture<Long> inSync =
          CompletableFuture.supplyAsync(
              () -> {
                await()
                    .atMost(TIMEOUT)
                    .pollInterval(Duration.ofMillis(200))
                    .until(() -> kafka.underReplicated(topics).isEmpty());
                return System.nanoTime();
              });
      hold(Duration.ofSeconds(10));
      load.stop();
      long loadStoppedAt = System.nanoTime();

      // no consumer stuck: every group of the node consumes everything
      consumers.awaitNoLag(TIMEOUT);
      long caughtUpAt = System.nanoTime();

      // the restarted broker caught up
      long inSyncAt = inSync.get(TIMEOUT.toSeconds(), TimeUnit.SECONDS);

      // no client request failed (creates and completions do not wait for Kafka)
      assertEquals(List.of(), List.copyOf(load.failures), "failed requests");
      assertEquals(List.of(), List.copyOf(load.badServerErrors), "5xx other than 503");

      // every acknowledged create is on TaskCreated exactly once by key
      Set<UUID> acknowledged = Set.copyOf(load.created.values());
      Map<String, Long> perKey =
          TopicReader.readToEnd(kafka.bootstrapServers(), setup.topic(Topics.TASK_CREATED), TIMEOUT)
              .stream()
              .collect(Collectors.groupingBy(ConsumerRecord::key, Collectors.counting()));
      assertEquals(
          acknowledged.stream().map(UUID::toString).collect(Collectors.toSet()),
          perKey.keySet(),
          "TaskCreated holds exactly the acknowledged creates");
      Map<String, Long> doubled =
          perKey.entrySet().stream()
              .filter(e -> e.getValue() != 1)
              .collect(Collectors.toMap(Map.Entry::getKey, Map.Entry::getValue));
      assertEquals(Map.of(), doubled, "records per key other than one");

      // every fee and reward booked once, balances add up, analytics agrees
      MoneyInvariants.Expected expected =
          MoneyInvariants.fromTopics(kafka.bootstrapServers(), setup, load, TIMEOUT);
      MoneyInvariants.ledgersMatch(http, admin, tokens.keySet(), expected, TIMEOUT);
      MoneyInvariants.analyticsAgrees(http, admin, expected, TIMEOUT);

      // figures
      Map<UUID, Long> delays = published.delays(load.acknowledgedAt);
      assertTrue(delays.keySet().containsAll(acknowledged), "every create seen by the watcher");
      Phases publishing = new Phases(delays, load.acknowledgedAt, stoppedAt, restartAt);
      long publishedDuringOutage =
          delays.entrySet().stream()
              .filter(
                  e -> {
                    long seen = load.acknowledgedAt.get(e.getKey()) + e.getValue() * 1_000_000;
                    return seen > stoppedAt && seen < restartAt;
                  })
              .count();
      System.out.printf(
          "KAFKA DRILL: %d creates (%d before the restart), %d completions acknowledged; 0 failed"
              + " requests; %d client retries%n",
          acknowledged.size(), createdWhileDown, load.completed.size(), load.retries.get());
      System.out.printf(
          "KAFKA DRILL: publishing (a create's 201 to its TaskCreated on the topic), p50 / max:"
              + " before the stop %s, broker down %s, after the restart %s; %d records published"
              + " while the broker was down%n",
          publishing.before(), publishing.down(), publishing.after(), publishedDuringOutage);
      System.out.printf(
          "KAFKA DRILL: consumers: longest time a group partition with lag did not commit: %.1f s"
              + " (%s); every group at lag 0 %.1f s after the load stopped%n",
          consumers.longestStallSeconds(),
          consumers.longestStallWhere(),
          seconds(caughtUpAt - loadStoppedAt));
      System.out.printf(
          "KAFKA DRILL: broker %d restarted in %.1f s, partitions back in sync %.1f s after its"
              + " restart; events lost: 0%n",
          victim, seconds(restartedAt - restartAt), seconds(inSyncAt - restartedAt));
      assertTrue(publishedDuringOutage > 0, "publishing went on with a broker down");
    }
  }

  /** Replication factor 3, min ISR 2, no unclean election on every topic of the node. */
  private static void assertDurableTopics(KraftCluster kafka, List<String> topics)
      throws Exception {
    try (Admin admin = kafka.admin()) {
      for (var d : admin.describeTopics(topics).allTopicNames().get(10, TimeUnit.SECONDS).values())
        for (var p : d.partitions()) assertEquals(3, p.replicas().size(), d.name());
      var resources =
          topics.stream()
              .map(
                  t ->
                      new org.apache.kafka.common.config.ConfigResource(
                          org.apache.kafka.common.config.ConfigResource.Type.TOPIC, t))
              .toList();
      for (var c : admin.describeConfigs(resources).all().get(10, TimeUnit.SECONDS).entrySet()) {
        assertEquals(
            "2", c.getValue().get(TopicDurability.MIN_INSYNC_REPLICAS).value(), c.getKey().name());
        assertEquals(
            "false",
            c.getValue().get(TopicDurability.UNCLEAN_LEADER_ELECTION).value(),
            c.getKey().name());
      }
    }
  }

  /**
   * The broker that leads the most partitions of the node's topics and of {@code
   * __consumer_offsets} (where the consumer groups' coordinators live).
   */
  private static int busiestBroker(KraftCluster kafka, List<String> topics) {
    List<String> all = new ArrayList<>(topics);
    all.add("__consumer_offsets");
    Map<Integer, Long> led =
        kafka.leaders(all).values().stream()
            .collect(Collectors.groupingBy(id -> id, Collectors.counting()));
    int busiest = led.entrySet().stream().max(Map.Entry.comparingByValue()).orElseThrow().getKey();
    System.out.printf(
        "KAFKA DRILL: partitions led per broker %s, active controller %d%n",
        led, kafka.activeController());
    return busiest;
  }

  /** Publishing delays (ms) of the creates acknowledged before, during and after the outage. */
  private record Phases(List<Long> beforeStop, List<Long> whileDown, List<Long> afterRestart) {
    Phases(Map<UUID, Long> delays, Map<UUID, Long> acknowledgedAt, long stop, long restart) {
      this(
          select(delays, acknowledgedAt, Long.MIN_VALUE, stop),
          select(delays, acknowledgedAt, stop, restart),
          select(delays, acknowledgedAt, restart, Long.MAX_VALUE));
    }

    private static List<Long> select(
        Map<UUID, Long> delays, Map<UUID, Long> acknowledgedAt, long from, long to) {
      return delays.entrySet().stream()
          .filter(
              e -> acknowledgedAt.get(e.getKey()) >= from && acknowledgedAt.get(e.getKey()) < to)
          .map(Map.Entry::getValue)
          .sorted()
          .toList();
    }

    String before() {
      return summary(beforeStop);
    }

    String down() {
      return summary(whileDown);
    }

    String after() {
      return summary(afterRestart);
    }

    private static String summary(List<Long> sorted) {
      if (sorted.isEmpty()) return "-";
      return sorted.get(sorted.size() / 2) + " / " + sorted.get(sorted.size() - 1) + " ms";
    }
  }

  /** Keeps the fault (or the load) going for a fixed time: a drill step, not a wait for state. */
  private static void hold(Duration d) throws InterruptedException {
    TimeUnit.MILLISECONDS.sleep(d.toMillis());
  }

  private static double seconds(long nanos) {
    return nanos / 1e9;
  }

  /** When each key first appeared on a topic, read with Kafka's own consumer as it is written. */
  private static final class TopicWatch implements AutoCloseable {
    private final Map<String, Long> firstSeen = new ConcurrentHashMap<>();
    private final AtomicBoolean running = new AtomicBoolean(true);
    private final Thread thread;

    private TopicWatch(String bootstrap, String topic) {
      thread = new Thread(() -> watch(bootstrap, topic), "topic-watch");
      thread.setDaemon(true);
    }

    static TopicWatch start(String bootstrap, String topic) {
      TopicWatch w = new TopicWatch(bootstrap, topic);
      w.thread.start();
      return w;
    }

    private void watch(String bootstrap, String topic) {
      Map<String, Object> props =
          Map.of(
              ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG,
              bootstrap,
              ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG,
              false);
      try (KafkaConsumer<String, byte[]> consumer =
          new KafkaConsumer<>(props, new StringDeserializer(), new ByteArrayDeserializer())) {
        List<TopicPartition> partitions =
            consumer.partitionsFor(topic, Duration.ofSeconds(30)).stream()
                .map(p -> new TopicPartition(topic, p.partition()))
                .toList();
        consumer.assign(partitions);
        consumer.seekToBeginning(partitions);
        while (running.get()) {
          for (ConsumerRecord<String, byte[]> r : consumer.poll(Duration.ofMillis(100))) {
            firstSeen.putIfAbsent(r.key(), System.nanoTime());
          }
        }
      }
    }

    /** Milliseconds from each create's acknowledgement to its record on the topic. */
    Map<UUID, Long> delays(Map<UUID, Long> acknowledgedAt) {
      Map<UUID, Long> delays = new HashMap<>();
      acknowledgedAt.forEach(
          (task, ack) -> {
            Long seen = firstSeen.get(task.toString());
            if (seen != null) delays.put(task, Math.max(0, (seen - ack) / 1_000_000));
          });
      return delays;
    }

    @Override
    public void close() throws InterruptedException {
      running.set(false);
      thread.join(10_000);
    }
  }

  /**
   * Samples the committed offsets of the node's consumer groups (the groups with its prefix) every
   * half second and keeps, per group partition, how long it went without committing while records
   * waited: a consumer held up by the lost broker shows as a long stall; a stuck one never ends.
   */
  private static final class StallMonitor implements AutoCloseable {
    private final String prefix;
    private final Admin admin;
    private final Map<String, long[]> lastCommit = new ConcurrentHashMap<>(); // offset, at
    private volatile long longestStall;
    private volatile String longestWhere = "none";
    private final AtomicBoolean running = new AtomicBoolean(true);
    private final Thread thread;

    private StallMonitor(KraftCluster kafka, String prefix) {
      this.prefix = prefix;
      this.admin = kafka.admin();
      thread = new Thread(this::sample, "stall-monitor");
      thread.setDaemon(true);
    }

    static StallMonitor start(KraftCluster kafka, String prefix) {
      StallMonitor m = new StallMonitor(kafka, prefix);
      m.thread.start();
      return m;
    }

    private void sample() {
      while (running.get()) {
        try {
          Map<String, Map<TopicPartition, long[]>> lags = lags();
          long now = System.nanoTime();
          lags.forEach(
              (group, partitions) ->
                  partitions.forEach(
                      (tp, committedAndEnd) -> {
                        String where = group + " " + tp;
                        long[] last =
                            lastCommit.computeIfAbsent(
                                where, w -> new long[] {committedAndEnd[0], now});
                        if (committedAndEnd[0] != last[0]) {
                          last[0] = committedAndEnd[0];
                          last[1] = now;
                        } else if (committedAndEnd[0] < committedAndEnd[1]
                            && now - last[1] > longestStall) {
                          longestStall = now - last[1];
                          longestWhere = where;
                        }
                      }));
        } catch (Exception e) {
          // a broker is down: the next sample tries again
        }
        try {
          TimeUnit.MILLISECONDS.sleep(500);
        } catch (InterruptedException e) {
          return;
        }
      }
    }

    /** Per group and partition: committed offset and end offset. */
    private Map<String, Map<TopicPartition, long[]>> lags() throws Exception {
      List<String> groups =
          admin.listConsumerGroups().all().get(10, TimeUnit.SECONDS).stream()
              .map(ConsumerGroupListing::groupId)
              .filter(g -> g.startsWith(prefix))
              .toList();
      Map<String, Map<TopicPartition, long[]>> result = new HashMap<>();
      for (String group : groups) {
        Map<TopicPartition, OffsetAndMetadata> committed =
            admin
                .listConsumerGroupOffsets(group)
                .partitionsToOffsetAndMetadata()
                .get(10, TimeUnit.SECONDS);
        var ends =
            admin
                .listOffsets(
                    committed.keySet().stream()
                        .collect(Collectors.toMap(tp -> tp, tp -> OffsetSpec.latest())))
                .all()
                .get(10, TimeUnit.SECONDS);
        Map<TopicPartition, long[]> partitions = new HashMap<>();
        committed.forEach(
            (tp, c) -> partitions.put(tp, new long[] {c.offset(), ends.get(tp).offset()}));
        result.put(group, partitions);
      }
      return result;
    }

    /** Awaits every group of the node having committed up to the end of every partition. */
    void awaitNoLag(Duration timeout) {
      await()
          .atMost(timeout)
          .pollInterval(Duration.ofMillis(500))
          .ignoreExceptions()
          .untilAsserted(
              () -> {
                Map<String, Map<TopicPartition, long[]>> lags = lags();
                assertTrue(lags.size() >= 3, "the node's groups: " + lags.keySet());
                List<String> behind = new ArrayList<>();
                lags.forEach(
                    (g, ps) ->
                        ps.forEach(
                            (tp, ce) -> {
                              if (ce[0] < ce[1]) behind.add(g + " " + tp + " " + (ce[1] - ce[0]));
                            }));
                assertEquals(List.of(), behind, "groups with lag");
              });
    }

    double longestStallSeconds() {
      return longestStall / 1e9;
    }

    String longestStallWhere() {
      return longestWhere;
    }

    @Override
    public void close() throws InterruptedException {
      running.set(false);
      thread.join(15_000);
      admin.close();
    }
  }
}
