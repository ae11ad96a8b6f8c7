package ates.platform.kafka;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import akka.Done;
import akka.actor.testkit.typed.javadsl.ActorTestKit;
import akka.stream.UniqueKillSwitch;
import ates.contract.EventEnvelope;
import ates.contract.EventJson;
import ates.contract.Role;
import ates.contract.Topics;
import ates.contract.events.UserRegisteredV1;
import ates.platform.Metrics;
import ates.testing.IntegrationTest;
import ates.testing.TestInfra;
import ates.testing.TopicReader;
import com.typesafe.config.ConfigFactory;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The consumer building block against the real broker, with either offsets strategy: dead letters,
 * restarts, commits to Kafka or offsets stored by the handler.
 */
@IntegrationTest
class EventConsumerTest {

  private static ActorTestKit testKit;
  private static TestInfra infra;
  private static KafkaPlatform kafka;

  @BeforeAll
  static void start() {
    infra = TestInfra.get();
    testKit =
        ActorTestKit.create(
            "EventConsumerTest",
            ConfigFactory.parseString(
                    "akka.actor.provider = local\n"
                        + "ates.kafka.consumer-restart.min-backoff = 100ms\n"
                        + "ates.kafka.consumer-restart.max-backoff = 1s")
                .withFallback(ConfigFactory.load()));
    kafka = new KafkaPlatform(testKit.system(), infra.kafkaBootstrap());
  }

  @AfterAll
  static void stop() {
    testKit.shutdownTestKit();
  }

  private static byte[] validEvent(UUID userId) {
    UserRegisteredV1 data =
        new UserRegisteredV1(userId, "popug", "Popug", "p@ex.com", Role.WORKER, Instant.now());
    return EventJson.encode(
        EventJson.envelope(
            UUID.randomUUID(), UserRegisteredV1.NAME, 1, Instant.now(), "identity", data));
  }

  @Test
  void poisoned_records_go_to_the_dead_letter_topic_and_valid_ones_are_handled_after_a_restart()
      throws Exception {
    String topic = "consumer-test-" + UUID.randomUUID();
    String group = "group-" + UUID.randomUUID();
    createWithDeadLetters(topic);

    UUID first = UUID.randomUUID();
    UUID second = UUID.randomUUID();
    UUID unreadable = UUID.randomUUID();
    byte[] notJson = "this is not json".getBytes(StandardCharsets.UTF_8);
    byte[] breaksSchema =
        new String(validEvent(UUID.randomUUID()), StandardCharsets.UTF_8)
            .replace("\"login\":\"popug\",", "")
            .getBytes(StandardCharsets.UTF_8);
    try (KafkaProducer<String, byte[]> producer =
        new KafkaProducer<>(
            Map.of("bootstrap.servers", infra.kafkaBootstrap()),
            new StringSerializer(),
            new ByteArraySerializer())) {
      producer.send(new ProducerRecord<>(topic, "a", validEvent(first))).get();
      producer.send(new ProducerRecord<>(topic, "b", notJson)).get();
      producer.send(new ProducerRecord<>(topic, "c", breaksSchema)).get();
      producer.send(new ProducerRecord<>(topic, "d", validEvent(second))).get();
      producer.send(new ProducerRecord<>(topic, "e", validEvent(unreadable))).get();
    }

    List<UUID> handled = new CopyOnWriteArrayList<>();
    Set<UUID> attempted = ConcurrentHashMap.newKeySet();
    AtomicBoolean failedOnce = new AtomicBoolean(false);
    Metrics metrics = new Metrics();
    UniqueKillSwitch stream =
        EventConsumer.start(
            testKit.system(),
            kafka,
            metrics,
            group,
            topic,
            (EventEnvelope envelope) -> {
              UUID userId = EventJson.dataAs(envelope, UserRegisteredV1.class).userId();
              attempted.add(userId);
              // valid against its schema, but the handler cannot read its data
              if (userId.equals(unreadable))
                throw new ates.contract.InvalidEventException("data cannot be read");
              // the handler fails once on the second event: the stream must restart and redeliver
              // it
              if (userId.equals(second) && failedOnce.compareAndSet(false, true)) {
                return CompletableFuture.failedFuture(new IllegalStateException("database down"));
              }
              handled.add(userId);
              return CompletableFuture.completedFuture(Done.getInstance());
            });
    try {
      await().atMost(Duration.ofSeconds(30)).until(() -> handled.contains(second));
      assertTrue(failedOnce.get());
      assertTrue(handled.contains(first));
      // the one failure restarted the stream once, and the restart was counted
      assertTrue(
          metrics
              .scrape()
              .contains("ates_stream_restarts_total{stream=\"" + group + "/" + topic + "\"} 1.0"),
          metrics.scrape());

      // dead-lettering is at least once (a batch that fails is handled again, poison included),
      // and records of different keys are handled concurrently, so the dead letters are compared
      // by key, not by position
      Map<String, ConsumerRecord<String, byte[]>> dead = new java.util.HashMap<>();
      for (ConsumerRecord<String, byte[]> r :
          firstPerKey(
              TopicReader.readUntil(
                  infra.kafkaBootstrap(),
                  Topics.deadLetter(topic),
                  Duration.ofSeconds(30),
                  records -> firstPerKey(records).size() >= 3))) {
        dead.put(r.key(), r);
      }
      assertEquals(Set.of("b", "c", "e"), dead.keySet());
      assertTrue(!handled.contains(unreadable));
      assertArrayEquals(notJson, dead.get("b").value());
      assertArrayEquals(breaksSchema, dead.get("c").value());
      String reasonNotJson = reason(dead.get("b"));
      String reasonSchema = reason(dead.get("c"));
      assertTrue(reasonNotJson.contains("not JSON"), reasonNotJson);
      assertTrue(reasonSchema.contains("login"), reasonSchema);
      assertTrue(reason(dead.get("e")).contains("data cannot be read"), reason(dead.get("e")));

      // every record, dead-lettered or handled, is committed
      try (Admin admin =
          Admin.create(
              Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, infra.kafkaBootstrap()))) {
        await()
            .atMost(Duration.ofSeconds(30))
            .untilAsserted(
                () -> {
                  Map<TopicPartition, OffsetAndMetadata> offsets =
                      admin
                          .listConsumerGroupOffsets(group)
                          .partitionsToOffsetAndMetadata()
                          .get(10, TimeUnit.SECONDS);
                  assertEquals(5L, offsets.get(new TopicPartition(topic, 0)).offset());
                });
      }
    } finally {
      stream.shutdown();
    }
  }

  @Test
  void with_offsets_stored_by_the_handler_each_record_is_applied_once_and_poison_moves_the_offset()
      throws Exception {
    String topic = "stored-offsets-test-" + UUID.randomUUID();
    String group = "group-" + UUID.randomUUID();
    TopicPartition partition = new TopicPartition(topic, 0);
    createWithDeadLetters(topic);
    UUID alreadyApplied = UUID.randomUUID();
    UUID first = UUID.randomUUID();
    UUID second = UUID.randomUUID();
    try (KafkaProducer<String, byte[]> producer =
        new KafkaProducer<>(
            Map.of("bootstrap.servers", infra.kafkaBootstrap()),
            new StringSerializer(),
            new ByteArraySerializer())) {
      producer.send(new ProducerRecord<>(topic, "a", validEvent(alreadyApplied))).get();
      producer.send(new ProducerRecord<>(topic, "b", validEvent(first))).get();
      producer.send(new ProducerRecord<>(topic, "c", validEvent(second))).get();
      // last: only the dead letter's stored offset can bring the partition to its end
      producer
          .send(new ProducerRecord<>(topic, "d", "not json".getBytes(StandardCharsets.UTF_8)))
          .get();
    }

    // the handler's database, in memory: offset 1 is stored, so record 0 was applied before
    Map<TopicPartition, Long> stored = new ConcurrentHashMap<>(Map.of(partition, 1L));
    OffsetStore store = inMemory(stored);
    List<String> applied = new CopyOnWriteArrayList<>();
    AtomicBoolean failedOnce = new AtomicBoolean(false);
    UniqueKillSwitch stream =
        EventConsumer.start(
            testKit.system(),
            kafka,
            new Metrics(),
            group,
            topic,
            Offsets.storedBy(store),
            (envelope, at) -> {
              UUID userId = EventJson.dataAs(envelope, UserRegisteredV1.class).userId();
              // fails before its transaction commits: the stream restarts from the stored offset
              if (userId.equals(second) && failedOnce.compareAndSet(false, true)) {
                return CompletableFuture.failedFuture(new IllegalStateException("database down"));
              }
              // the effect and the next offset in one transaction
              applied.add(userId + "@" + at.offset());
              stored.put(new TopicPartition(at.topic(), at.partition()), at.nextOffset());
              return CompletableFuture.completedFuture(Done.getInstance());
            });
    try {
      await().atMost(Duration.ofSeconds(30)).until(() -> stored.get(partition) == 4L);
      assertTrue(failedOnce.get());
      assertEquals(List.of(first + "@1", second + "@2"), applied);
      List<ConsumerRecord<String, byte[]>> dead =
          TopicReader.readUntil(
              infra.kafkaBootstrap(),
              Topics.deadLetter(topic),
              Duration.ofSeconds(30),
              r -> !r.isEmpty());
      assertEquals(List.of("d"), dead.stream().map(ConsumerRecord::key).toList());
      Map<String, Object> adminConfig =
          Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, infra.kafkaBootstrap());
      try (Admin admin = Admin.create(adminConfig)) {
        assertTrue(
            admin
                .listConsumerGroupOffsets(group)
                .partitionsToOffsetAndMetadata()
                .get(10, TimeUnit.SECONDS)
                .isEmpty(),
            "nothing is committed to the consumer group");
      }
    } finally {
      stream.shutdown();
    }
  }

  @Test
  void in_batches_each_record_is_applied_once_and_only_the_refused_records_are_dead_lettered()
      throws Exception {
    String topic = "batched-offsets-test-" + UUID.randomUUID();
    String group = "group-" + UUID.randomUUID();
    TopicPartition partition = new TopicPartition(topic, 0);
    createWithDeadLetters(topic);
    // a first wave of 40 records, 20 not JSON (refused when read); then 10 more, of which 45 is
    // refused by the database when applied
    int total = 50;
    List<UUID> users = randomUsers(total);
    UUID refusedByDatabase = users.get(45);

    // the handler's database, in memory: effects and offset change together, or not at all
    Map<TopicPartition, Long> stored = new ConcurrentHashMap<>();
    List<String> applied = new CopyOnWriteArrayList<>();
    List<Integer> batchSizes = new CopyOnWriteArrayList<>();
    AtomicBoolean failedOnce = new AtomicBoolean(false);
    OffsetStore store = inMemory(stored);
    EventConsumer.PartitionBatchHandler<String> handler =
        new EventConsumer.PartitionBatchHandler<>() {
          @Override
          public String read(EventEnvelope envelope, RecordPosition at) {
            return EventJson.dataAs(envelope, UserRegisteredV1.class).userId() + "@" + at.offset();
          }

          @Override
          public synchronized CompletableFuture<Done> apply(
              List<String> items, RecordPosition last) {
            // the first batch with more than one record fails before it commits
            if (items.size() > 1 && failedOnce.compareAndSet(false, true)) {
              return CompletableFuture.failedFuture(new IllegalStateException("database down"));
            }
            if (items.stream().anyMatch(i -> i.startsWith(refusedByDatabase.toString()))) {
              return CompletableFuture.failedFuture(
                  new ates.contract.InvalidEventException("amount out of range"));
            }
            batchSizes.add(items.size());
            applied.addAll(items);
            stored.put(new TopicPartition(last.topic(), last.partition()), last.nextOffset());
            return CompletableFuture.completedFuture(Done.getInstance());
          }
        };
    UniqueKillSwitch stream =
        EventConsumer.startBatched(
            testKit.system(), kafka, new Metrics(), group, topic, store, handler);
    try {
      produce(topic, users, 0, 40);
      await().atMost(Duration.ofSeconds(30)).until(() -> stored.getOrDefault(partition, 0L) == 40L);
      produce(topic, users, 40, total);
      await()
          .atMost(Duration.ofSeconds(30))
          .until(() -> stored.getOrDefault(partition, 0L) == (long) total);
      assertTrue(failedOnce.get(), "a batch failed once and was applied again");
      List<String> expected = new java.util.ArrayList<>();
      for (int i = 0; i < total; i++) {
        if (i != 20 && i != 45) expected.add(users.get(i) + "@" + i);
      }
      assertEquals(expected, applied, "each record once, in offset order");
      assertTrue(
          batchSizes.stream().anyMatch(n -> n > 1), "records that arrived together: " + batchSizes);
      List<ConsumerRecord<String, byte[]>> dead =
          TopicReader.readUntil(
              infra.kafkaBootstrap(),
              Topics.deadLetter(topic),
              Duration.ofSeconds(30),
              r -> r.stream().map(ConsumerRecord::key).distinct().count() >= 2);
      assertEquals(
          Set.of("k20", "k45"),
          dead.stream().map(ConsumerRecord::key).collect(java.util.stream.Collectors.toSet()));
    } finally {
      stream.shutdown();
    }
  }

  @Test
  void grouped_each_batch_is_applied_at_once_and_only_the_refused_records_are_dead_lettered()
      throws Exception {
    String topic = "grouped-test-" + UUID.randomUUID();
    String group = "group-" + UUID.randomUUID();
    createWithDeadLetters(topic);
    // 50 records: 20 is not JSON (refused when read), 10 needs nothing, 30 cannot be read, 45 is
    // refused when applied (the batch it is in is then applied one record at a time)
    int total = 50;
    List<UUID> users = randomUsers(total);
    UUID nothingToDo = users.get(10);
    UUID unreadable = users.get(30);
    UUID refused = users.get(45);

    // an idempotent handler: at least once, so a batch applied again after a failure moves nothing
    Set<UUID> applied = ConcurrentHashMap.newKeySet();
    List<UUID> appliedInOrder = new CopyOnWriteArrayList<>();
    List<Integer> batchSizes = new CopyOnWriteArrayList<>();
    AtomicBoolean failedOnce = new AtomicBoolean(false);
    EventConsumer.BatchHandler<UUID> handler =
        new EventConsumer.BatchHandler<>() {
          @Override
          public java.util.Optional<UUID> read(EventEnvelope envelope) {
            UUID userId = EventJson.dataAs(envelope, UserRegisteredV1.class).userId();
            if (userId.equals(unreadable)) {
              throw new ates.contract.InvalidEventException("data cannot be read");
            }
            return userId.equals(nothingToDo)
                ? java.util.Optional.empty()
                : java.util.Optional.of(userId);
          }

          @Override
          public synchronized CompletableFuture<Done> apply(List<UUID> items) {
            if (items.size() > 1 && failedOnce.compareAndSet(false, true)) {
              return CompletableFuture.failedFuture(new IllegalStateException("database down"));
            }
            if (items.contains(refused)) {
              return CompletableFuture.failedFuture(
                  new ates.contract.InvalidEventException("amount out of range"));
            }
            batchSizes.add(items.size());
            for (UUID item : items) if (applied.add(item)) appliedInOrder.add(item);
            return CompletableFuture.completedFuture(Done.getInstance());
          }
        };
    UniqueKillSwitch stream =
        EventConsumer.startGrouped(testKit.system(), kafka, new Metrics(), group, topic, handler);
    try {
      // a first wave without the record refused when applied, so that its batches stay whole
      produce(topic, users, 0, 40);
      await().atMost(Duration.ofSeconds(30)).until(() -> applied.size() == 37);
      produce(topic, users, 40, total);
      List<UUID> expected = new java.util.ArrayList<>();
      for (int i = 0; i < total; i++) {
        if (i != 10 && i != 20 && i != 30 && i != 45) expected.add(users.get(i));
      }
      await().atMost(Duration.ofSeconds(30)).until(() -> applied.size() == expected.size());
      assertTrue(failedOnce.get(), "a batch failed once and was applied again");
      assertEquals(expected, appliedInOrder, "each record applied, in offset order");
      assertTrue(
          batchSizes.stream().anyMatch(n -> n > 1), "records that arrived together: " + batchSizes);
      List<ConsumerRecord<String, byte[]>> dead =
          firstPerKey(
              TopicReader.readUntil(
                  infra.kafkaBootstrap(),
                  Topics.deadLetter(topic),
                  Duration.ofSeconds(30),
                  r -> firstPerKey(r).size() >= 3));
      assertEquals(
          Set.of("k20", "k30", "k45"),
          dead.stream().map(ConsumerRecord::key).collect(java.util.stream.Collectors.toSet()));
      // every record, applied, dead-lettered or needing nothing, is committed
      try (Admin admin =
          Admin.create(
              Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, infra.kafkaBootstrap()))) {
        await()
            .atMost(Duration.ofSeconds(30))
            .untilAsserted(
                () ->
                    assertEquals(
                        (long) total,
                        admin
                            .listConsumerGroupOffsets(group)
                            .partitionsToOffsetAndMetadata()
                            .get(10, TimeUnit.SECONDS)
                            .get(new TopicPartition(topic, 0))
                            .offset()));
      }
    } finally {
      stream.shutdown();
    }
  }

  /** {@code topic} and its dead-letter topic, one partition each. */
  private static void createWithDeadLetters(String topic) {
    KafkaPlatform.createMissing(
        infra.kafkaBootstrap(),
        List.of(
            new NewTopic(topic, 1, (short) 1),
            new NewTopic(Topics.deadLetter(topic), 1, (short) 1)));
  }

  private static List<UUID> randomUsers(int n) {
    List<UUID> users = new java.util.ArrayList<>();
    for (int i = 0; i < n; i++) users.add(UUID.randomUUID());
    return users;
  }

  /** Records {@code from} until {@code to} of {@code users}, keyed k<i>; record 20 is not JSON. */
  private static void produce(String topic, List<UUID> users, int from, int to) throws Exception {
    try (KafkaProducer<String, byte[]> producer =
        new KafkaProducer<>(
            Map.of("bootstrap.servers", infra.kafkaBootstrap()),
            new StringSerializer(),
            new ByteArraySerializer())) {
      for (int i = from; i < to; i++) {
        byte[] value =
            i == 20 ? "not json".getBytes(StandardCharsets.UTF_8) : validEvent(users.get(i));
        producer.send(new ProducerRecord<>(topic, "k" + i, value));
      }
      producer.flush();
    }
  }

  /** A handler's offsets kept in {@code stored}, as its database would keep them. */
  private static OffsetStore inMemory(Map<TopicPartition, Long> stored) {
    return new OffsetStore() {
      @Override
      public CompletableFuture<Map<TopicPartition, Long>> nextOffsets(
          Set<TopicPartition> partitions) {
        return CompletableFuture.completedFuture(Map.copyOf(stored));
      }

      @Override
      public CompletableFuture<Done> skip(RecordPosition at) {
        stored.put(new TopicPartition(at.topic(), at.partition()), at.nextOffset());
        return CompletableFuture.completedFuture(Done.getInstance());
      }
    };
  }

  private static String reason(ConsumerRecord<String, byte[]> record) {
    return new String(
        record.headers().lastHeader(EventConsumer.DLT_REASON_HEADER).value(),
        StandardCharsets.UTF_8);
  }

  private static List<ConsumerRecord<String, byte[]>> firstPerKey(
      List<ConsumerRecord<String, byte[]>> records) {
    Map<String, ConsumerRecord<String, byte[]>> first = new java.util.LinkedHashMap<>();
    for (ConsumerRecord<String, byte[]> r : records) first.putIfAbsent(r.key(), r);
    return List.copyOf(first.values());
  }
}
