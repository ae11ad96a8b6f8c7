package ates.platform.kafka;

import akka.Done;
import akka.actor.CoordinatedShutdown;
import akka.actor.typed.ActorSystem;
import akka.kafka.CommitterSettings;
import akka.kafka.ConsumerMessage;
import akka.kafka.ConsumerMessage.Committable;
import akka.kafka.ConsumerMessage.CommittableMessage;
import akka.kafka.ConsumerSettings;
import akka.kafka.Subscriptions;
import akka.kafka.javadsl.Committer;
import akka.kafka.javadsl.Consumer;
import akka.kafka.javadsl.SendProducer;
import akka.stream.KillSwitches;
import akka.stream.RestartSettings;
import akka.stream.UniqueKillSwitch;
import akka.stream.javadsl.Keep;
import akka.stream.javadsl.RestartSource;
import akka.stream.javadsl.Sink;
import akka.stream.javadsl.Source;
import ates.contract.EventEnvelope;
import ates.contract.EventJson;
import ates.contract.InvalidEventException;
import ates.contract.Topics;
import ates.platform.Metrics;
import com.typesafe.config.Config;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BiFunction;
import java.util.function.Function;
import java.util.function.Supplier;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The consumer building block every Kafka stream reuses, on one topic:
 *
 * <ul>
 *   <li>parses and validates each record against the contract; a record that fails (or whose data
 *       the handler cannot read: {@link InvalidEventException}) goes unchanged to {@code
 *       <topic>.DLT} with the reason in the {@value #DLT_REASON_HEADER} header, and the stream
 *       moves on;
 *   <li>hands valid envelopes to the handler, records with the same key (the same aggregate) one
 *       after another in partition order;
 *   <li>keeps its read position by one of two {@link Offsets} strategies, each stating its
 *       guarantee: {@link Offsets#COMMITTED_TO_KAFKA} (batches of what has arrived, up to {@value
 *       #BATCH}, records of different keys concurrently, or the whole batch at once by a {@link
 *       BatchHandler}; offsets committed after every effect of the batch is durable) or {@link
 *       Offsets#storedBy} (each partition resumes from the offset the handler stores with its
 *       effects; a dead-lettered record still moves that offset);
 *   <li>restarts with backoff when the handler or Kafka fails, and stops by its kill switch or in
 *       the node's CoordinatedShutdown (service-stop phase), before the broker or database go.
 * </ul>
 */
public final class EventConsumer {

  public static final String DLT_REASON_HEADER = "ates-dlt-reason";
  public static final String DLT_SOURCE_HEADER = "ates-dlt-source";

  private static final Logger log = LoggerFactory.getLogger(EventConsumer.class);

  /** Records handled per batch at most (offsets committed to Kafka). */
  static final int BATCH = 100;

  /** Makes each stream's shutdown task name unique (a supervised owner may start it again). */
  private static final AtomicLong STARTED = new AtomicLong();

  /** What a stream does with each valid envelope; durable when the future completes. */
  @FunctionalInterface
  public interface Handler {
    CompletionStage<Done> handle(EventEnvelope envelope, RecordPosition at);
  }

  /**
   * What a stream with offsets in its own database ({@link #startBatched}) does with the records of
   * one partition that arrived together: it reads each record's data, then applies them all and
   * stores the offset after the last one in one transaction.
   *
   * @param <T> a record's data as the handler reads it
   */
  public interface PartitionBatchHandler<T> {

    /**
     * Reads a valid envelope's data; throws {@link InvalidEventException} when it cannot (the
     * record then goes to the dead-letter topic).
     */
    T read(EventEnvelope envelope, RecordPosition at);

    /**
     * Applies {@code items} (one partition's, in offset order, at least one) and stores {@code
     * last.nextOffset()} with their effects, in one transaction: durable when the future completes.
     * {@code last} may lie after the last item (records dead-lettered after it). An {@link
     * InvalidEventException} (data a database refuses) makes the block apply the batch again one
     * record at a time, to dead-letter only that record.
     */
    CompletionStage<Done> apply(List<T> items, RecordPosition last);
  }

  private EventConsumer() {}

  /**
   * What a stream with offsets committed to Kafka ({@link #startGrouped}) does with the records of
   * a batch at once: it reads each record's data, then applies them all together, so that it can
   * send one command or write one transaction per aggregate instead of one per record.
   *
   * @param <T> what a record stands for, as the handler reads it
   */
  public interface BatchHandler<T> {

    /**
     * Reads a valid envelope's data: empty for a record that needs nothing; throws {@link
     * InvalidEventException} when it cannot (the record then goes to the dead-letter topic).
     */
    Optional<T> read(EventEnvelope envelope);

    /**
     * Applies {@code items} (the batch's, in arrival order, at least one), keeping the order of
     * those that touch the same aggregate: durable when the future completes. An {@link
     * InvalidEventException} makes the block apply the batch again one item at a time, to
     * dead-letter only the record refused.
     */
    CompletionStage<Done> apply(List<T> items);
  }

  /**
   * Starts a stream whose offsets are committed to Kafka ({@link Offsets#COMMITTED_TO_KAFKA}).
   *
   * @param topic the contract's topic name (the node's topic prefix is added)
   * @return a kill switch that stops the stream
   */
  public static UniqueKillSwitch start(
      ActorSystem<?> system,
      KafkaPlatform kafka,
      Metrics metrics,
      String groupId,
      String topic,
      Function<EventEnvelope, CompletionStage<Done>> handler) {
    return start(
        system,
        kafka,
        metrics,
        groupId,
        topic,
        Offsets.COMMITTED_TO_KAFKA,
        (envelope, at) -> handler.apply(envelope));
  }

  /**
   * Starts a stream keeping its offsets by the given strategy.
   *
   * @param topic the contract's topic name (the node's topic prefix is added)
   * @return a kill switch that stops the stream
   */
  public static UniqueKillSwitch start(
      ActorSystem<?> system,
      KafkaPlatform kafka,
      Metrics metrics,
      String groupId,
      String topic,
      Offsets offsets,
      Handler handler) {
    Records records = new Records(kafka.producer(), metrics, handler, offsets);
    ConsumerSettings<String, byte[]> settings = kafka.consumerSettings(groupId);
    String prefixed = kafka.topic(topic);
    if (offsets instanceof Offsets.StoredByHandler s) {
      return run(
          system,
          metrics,
          groupId,
          topic,
          "stored by the handler",
          () -> stored(settings, prefixed, s.store(), records));
    }
    CommitterSettings committer = CommitterSettings.create(system);
    return run(
        system,
        metrics,
        groupId,
        topic,
        "committed to Kafka",
        () -> committed(settings, committer, prefixed, records));
  }

  /**
   * Starts a stream whose offsets are committed to Kafka ({@link Offsets#COMMITTED_TO_KAFKA}) and
   * whose handler takes each batch of what has arrived (up to {@value #BATCH} records) at once.
   * Guarantee: at least once, offsets committed after every effect of the batch is durable.
   *
   * @param topic the contract's topic name (the node's topic prefix is added)
   * @return a kill switch that stops the stream
   */
  public static <T> UniqueKillSwitch startGrouped(
      ActorSystem<?> system,
      KafkaPlatform kafka,
      Metrics metrics,
      String groupId,
      String topic,
      BatchHandler<T> handler) {
    ConsumerSettings<String, byte[]> settings = kafka.consumerSettings(groupId);
    CommitterSettings committer = CommitterSettings.create(system);
    String prefixed = kafka.topic(topic);
    Groups<T> groups = new Groups<>(kafka.producer(), handler, metrics);
    return run(
        system,
        metrics,
        groupId,
        topic,
        "committed to Kafka, in batches",
        () ->
            Consumer.committableSource(settings, Subscriptions.topics(prefixed))
                .batch(BATCH, EventConsumer::firstOfBatch, EventConsumer::addToBatch)
                .mapAsync(1, batch -> groups.apply(batch).thenApply(done -> offsets(batch)))
                .via(Committer.flow(committer))
                .mapMaterializedValue(control -> Done.getInstance()));
  }

  /** Runs a stream with restart on failure with backoff, stopped in CoordinatedShutdown. */
  private static UniqueKillSwitch run(
      ActorSystem<?> system,
      Metrics metrics,
      String groupId,
      String topic,
      String offsets,
      Supplier<Source<Done, ?>> stream) {
    Config restart = system.settings().config().getConfig("ates.kafka.consumer-restart");
    RestartSettings restartSettings =
        RestartSettings.create(
            restart.getDuration("min-backoff"),
            restart.getDuration("max-backoff"),
            restart.getDouble("random-factor"));
    // RestartSource calls the factory once to start and once per restart after a failure
    String streamName = groupId + "/" + topic;
    metrics.streamStarted(streamName);
    AtomicBoolean started = new AtomicBoolean();
    UniqueKillSwitch killSwitch =
        RestartSource.onFailuresWithBackoff(
                restartSettings,
                () -> {
                  if (started.getAndSet(true)) metrics.streamRestarted(streamName);
                  return stream.get();
                })
            .viaMat(KillSwitches.single(), Keep.right())
            .toMat(Sink.ignore(), Keep.left())
            .run(system);

    CoordinatedShutdown.get(system)
        .addTask(
            CoordinatedShutdown.PhaseServiceStop(),
            "stop-consumer-" + groupId + "-" + topic + "-" + STARTED.incrementAndGet(),
            () -> {
              killSwitch.shutdown();
              return CompletableFuture.completedFuture(Done.getInstance());
            });
    log.info("Consuming {} as group {}, offsets {}", topic, groupId, offsets);
    return killSwitch;
  }

  /**
   * Starts a stream whose offsets the handler stores in its own database, one transaction per batch
   * of a partition ({@link Offsets#storedBy}, applied in batches): each partition takes what has
   * arrived while its previous batch was being applied, up to {@value #BATCH} records, so a quiet
   * stream applies one record at a time and a busy one commits once per batch. Guarantee:
   * exactly-once effects, as with one record per transaction.
   *
   * @param topic the contract's topic name (the node's topic prefix is added)
   * @return a kill switch that stops the stream
   */
  public static <T> UniqueKillSwitch startBatched(
      ActorSystem<?> system,
      KafkaPlatform kafka,
      Metrics metrics,
      String groupId,
      String topic,
      OffsetStore store,
      PartitionBatchHandler<T> handler) {
    ConsumerSettings<String, byte[]> settings = kafka.consumerSettings(groupId);
    String prefixed = kafka.topic(topic);
    Batches<T> batches = new Batches<>(kafka.producer(), store, handler, metrics);
    return run(
        system,
        metrics,
        groupId,
        topic,
        "stored by the handler, in batches",
        () ->
            Consumer.plainPartitionedManualOffsetSource(
                    settings, Subscriptions.topics(prefixed), partitions -> seek(store, partitions))
                .flatMapMerge(
                    Integer.MAX_VALUE,
                    pair ->
                        pair.second()
                            .batch(BATCH, EventConsumer::firstRecord, EventConsumer::addRecord)
                            .mapAsync(1, batches::apply))
                .mapMaterializedValue(control -> Done.getInstance()));
  }

  private static List<ConsumerRecord<String, byte[]>> firstRecord(
      ConsumerRecord<String, byte[]> first) {
    List<ConsumerRecord<String, byte[]>> batch = new ArrayList<>();
    batch.add(first);
    return batch;
  }

  private static List<ConsumerRecord<String, byte[]>> addRecord(
      List<ConsumerRecord<String, byte[]>> batch, ConsumerRecord<String, byte[]> next) {
    batch.add(next);
    return batch;
  }

  /** One partition's batch: dead letters first, then one transaction for the rest. */
  private record Batches<T>(
      SendProducer<String, byte[]> producer,
      OffsetStore store,
      PartitionBatchHandler<T> handler,
      Metrics metrics) {

    CompletionStage<Done> apply(List<ConsumerRecord<String, byte[]>> batch) {
      List<T> items = new ArrayList<>();
      List<ConsumerRecord<String, byte[]>> kept = new ArrayList<>();
      List<CompletableFuture<Done>> deadLetters = new ArrayList<>();
      for (ConsumerRecord<String, byte[]> record : batch) {
        RecordPosition at = position(record);
        try {
          items.add(handler.read(EventJson.decode(record.value()), at));
          kept.add(record);
        } catch (InvalidEventException e) {
          deadLetters.add(
              deadLetter(record, e.getMessage(), producer, metrics).toCompletableFuture());
        }
      }
      RecordPosition last = position(batch.get(batch.size() - 1));
      return CompletableFuture.allOf(deadLetters.toArray(new CompletableFuture[0]))
          .thenCompose(
              d ->
                  items.isEmpty()
                      ? store.skip(last)
                      : wholeOrOneByOne(
                          kept,
                          items,
                          whole -> handler.apply(whole, last),
                          // one record per transaction, each storing its own offset; a record
                          // refused moves the offset past it
                          (record, item) -> handler.apply(List.of(item), position(record)),
                          record -> store.skip(position(record)),
                          // records dead-lettered after the last kept one: their offsets move on
                          () -> store.skip(last),
                          producer,
                          metrics));
    }
  }

  /** One batch of a grouped stream: dead letters first, then the handler once for the rest. */
  private record Groups<T>(
      SendProducer<String, byte[]> producer, BatchHandler<T> handler, Metrics metrics) {

    CompletionStage<Done> apply(List<CommittableMessage<String, byte[]>> batch) {
      List<T> items = new ArrayList<>();
      List<ConsumerRecord<String, byte[]>> kept = new ArrayList<>();
      List<ConsumerRecord<String, byte[]>> nothingToDo = new ArrayList<>();
      List<CompletableFuture<Done>> deadLetters = new ArrayList<>();
      for (CommittableMessage<String, byte[]> msg : batch) {
        ConsumerRecord<String, byte[]> record = msg.record();
        try {
          Optional<T> item = handler.read(EventJson.decode(record.value()));
          if (item.isPresent()) {
            items.add(item.get());
            kept.add(record);
          } else {
            nothingToDo.add(record);
          }
        } catch (InvalidEventException e) {
          deadLetters.add(
              deadLetter(record, e.getMessage(), producer, metrics).toCompletableFuture());
        }
      }
      CompletionStage<Done> applied =
          items.isEmpty()
              ? CompletableFuture.completedFuture(Done.getInstance())
              : wholeOrOneByOne(
                  kept,
                  items,
                  handler::apply,
                  (record, item) -> handler.apply(List.of(item)),
                  record -> CompletableFuture.completedFuture(Done.getInstance()),
                  () -> CompletableFuture.completedFuture(Done.getInstance()),
                  producer,
                  metrics);
      return CompletableFuture.allOf(deadLetters.toArray(new CompletableFuture[0]))
          .thenCompose(d -> applied)
          .thenApply(
              done -> {
                nothingToDo.forEach(r -> metrics.eventConsumed(r.topic()));
                return done;
              });
    }
  }

  /**
   * Applies a batch's {@code items} (read from the {@code kept} records, one item each) as a whole;
   * when the handler refuses the whole ({@link InvalidEventException}), applies them again one at a
   * time, in order, and dead-letters only the record refused, then runs {@code afterDeadLetter} for
   * it, and {@code afterOneByOne} once they are all done. Any other failure fails the batch. Each
   * record applied counts as consumed.
   */
  private static <T> CompletionStage<Done> wholeOrOneByOne(
      List<ConsumerRecord<String, byte[]>> kept,
      List<T> items,
      Function<List<T>, CompletionStage<Done>> applyWhole,
      BiFunction<ConsumerRecord<String, byte[]>, T, CompletionStage<Done>> applyOne,
      Function<ConsumerRecord<String, byte[]>, CompletionStage<Done>> afterDeadLetter,
      Supplier<CompletionStage<Done>> afterOneByOne,
      SendProducer<String, byte[]> producer,
      Metrics metrics) {
    return applyWhole
        .apply(items)
        .handle(
            (done, failure) -> {
              if (failure == null) {
                kept.forEach(r -> metrics.eventConsumed(r.topic()));
                return CompletableFuture.completedFuture(done);
              }
              if (!(cause(failure) instanceof InvalidEventException)) {
                return CompletableFuture.<Done>failedFuture(cause(failure));
              }
              CompletionStage<Done> chain = CompletableFuture.completedFuture(Done.getInstance());
              for (int i = 0; i < kept.size(); i++) {
                ConsumerRecord<String, byte[]> record = kept.get(i);
                T item = items.get(i);
                chain =
                    chain.thenCompose(
                        d ->
                            applyOne
                                .apply(record, item)
                                .handle(
                                    (one, oneFailure) -> {
                                      if (oneFailure == null) {
                                        metrics.eventConsumed(record.topic());
                                        return CompletableFuture.completedFuture(one);
                                      }
                                      if (cause(oneFailure)
                                          instanceof InvalidEventException invalid) {
                                        return deadLetter(
                                                record, invalid.getMessage(), producer, metrics)
                                            .thenCompose(dl -> afterDeadLetter.apply(record));
                                      }
                                      return CompletableFuture.<Done>failedFuture(
                                          cause(oneFailure));
                                    })
                                .thenCompose(stage -> stage));
              }
              return chain.thenCompose(d -> afterOneByOne.get());
            })
        .thenCompose(stage -> stage);
  }

  private static RecordPosition position(ConsumerRecord<String, byte[]> record) {
    return new RecordPosition(record.topic(), record.partition(), record.offset());
  }

  private static Throwable cause(Throwable failure) {
    return failure instanceof CompletionException && failure.getCause() != null
        ? failure.getCause()
        : failure;
  }

  private static Source<Done, ?> committed(
      ConsumerSettings<String, byte[]> settings,
      CommitterSettings committerSettings,
      String topic,
      Records records) {
    return Consumer.committableSource(settings, Subscriptions.topics(topic))
        .batch(BATCH, EventConsumer::firstOfBatch, EventConsumer::addToBatch)
        .mapAsync(1, batch -> records.handleBatch(batch).thenApply(done -> offsets(batch)))
        .via(Committer.flow(committerSettings))
        .mapMaterializedValue(control -> Done.getInstance());
  }

  private static Source<Done, ?> stored(
      ConsumerSettings<String, byte[]> settings, String topic, OffsetStore store, Records records) {
    return Consumer.plainPartitionedManualOffsetSource(
            settings, Subscriptions.topics(topic), partitions -> seek(store, partitions))
        // every assigned partition is a sub-stream that never completes: merge them all
        .flatMapMerge(Integer.MAX_VALUE, pair -> pair.second().mapAsync(1, records::handle))
        .mapMaterializedValue(control -> Done.getInstance());
  }

  private static CompletionStage<Map<TopicPartition, Object>> seek(
      OffsetStore store, Set<TopicPartition> partitions) {
    return store
        .nextOffsets(partitions)
        .thenApply(
            stored -> {
              Map<TopicPartition, Object> seek = new HashMap<>();
              for (TopicPartition tp : partitions) seek.put(tp, stored.getOrDefault(tp, 0L));
              return seek;
            });
  }

  private static List<CommittableMessage<String, byte[]>> firstOfBatch(
      CommittableMessage<String, byte[]> first) {
    List<CommittableMessage<String, byte[]>> batch = new ArrayList<>();
    batch.add(first);
    return batch;
  }

  private static List<CommittableMessage<String, byte[]>> addToBatch(
      List<CommittableMessage<String, byte[]>> batch, CommittableMessage<String, byte[]> next) {
    batch.add(next);
    return batch;
  }

  private static Committable offsets(List<CommittableMessage<String, byte[]>> batch) {
    return ConsumerMessage.createCommittableOffsetBatch(
        batch.stream().map(CommittableMessage::committableOffset).toList());
  }

  /** How one stream handles a record, whatever its offsets strategy. */
  private record Records(
      SendProducer<String, byte[]> producer, Metrics metrics, Handler handler, Offsets offsets) {

    /** One chain per key, in arrival order; the chains run concurrently. */
    CompletionStage<Done> handleBatch(List<CommittableMessage<String, byte[]>> batch) {
      Map<String, CompletionStage<Done>> chains = new LinkedHashMap<>();
      for (CommittableMessage<String, byte[]> msg : batch) {
        ConsumerRecord<String, byte[]> record = msg.record();
        String key = record.key() == null ? "" : record.key();
        CompletionStage<Done> previous =
            chains.getOrDefault(key, CompletableFuture.completedFuture(Done.getInstance()));
        chains.put(key, previous.thenCompose(d -> handle(record)));
      }
      return CompletableFuture.allOf(
              chains.values().stream()
                  .map(CompletionStage::toCompletableFuture)
                  .toArray(CompletableFuture[]::new))
          .thenApply(v -> Done.getInstance());
    }

    CompletionStage<Done> handle(ConsumerRecord<String, byte[]> record) {
      RecordPosition at = new RecordPosition(record.topic(), record.partition(), record.offset());
      EventEnvelope envelope;
      try {
        envelope = EventJson.decode(record.value());
      } catch (InvalidEventException e) {
        return deadLetterAndSkip(record, at, e.getMessage());
      }
      CompletionStage<Done> handled;
      try {
        handled = handler.handle(envelope, at);
      } catch (InvalidEventException e) {
        // valid against its schema, yet its data cannot be read (a number too large, a date that
        // does not exist)
        return deadLetterAndSkip(record, at, e.getMessage());
      }
      return handled
          .handle(
              (done, failure) -> {
                if (failure == null) {
                  metrics.eventConsumed(record.topic());
                  return CompletableFuture.completedFuture(Done.getInstance());
                }
                Throwable cause =
                    failure instanceof CompletionException && failure.getCause() != null
                        ? failure.getCause()
                        : failure;
                if (cause instanceof InvalidEventException invalid) {
                  return deadLetterAndSkip(record, at, invalid.getMessage());
                }
                return CompletableFuture.<Done>failedFuture(cause);
              })
          .thenCompose(stage -> stage);
    }

    /** Dead-letters the record; with stored offsets, then moves the stored offset past it. */
    private CompletionStage<Done> deadLetterAndSkip(
        ConsumerRecord<String, byte[]> record, RecordPosition at, String reason) {
      CompletionStage<Done> sent = deadLetter(record, reason, producer, metrics);
      if (offsets instanceof Offsets.StoredByHandler s) {
        return sent.thenCompose(d -> s.store().skip(at));
      }
      return sent;
    }
  }

  /** Sends the record, unchanged, to its topic's dead-letter topic with the reason. */
  private static CompletionStage<Done> deadLetter(
      ConsumerRecord<String, byte[]> record,
      String reason,
      SendProducer<String, byte[]> producer,
      Metrics metrics) {
    RecordHeaders headers = new RecordHeaders();
    for (Header h : record.headers()) headers.add(h);
    headers.add(DLT_REASON_HEADER, truncate(reason).getBytes(StandardCharsets.UTF_8));
    headers.add(
        DLT_SOURCE_HEADER,
        (record.topic() + "/" + record.partition() + "@" + record.offset())
            .getBytes(StandardCharsets.UTF_8));
    String dlt = Topics.deadLetter(record.topic());
    log.warn(
        "Dead-lettered record {}/{}@{} to {}: {}",
        record.topic(),
        record.partition(),
        record.offset(),
        dlt,
        truncate(reason));
    return producer
        .send(new ProducerRecord<>(dlt, null, record.key(), record.value(), headers))
        .thenApply(
            meta -> {
              metrics.eventDeadLettered(record.topic());
              return Done.getInstance();
            });
  }

  private static String truncate(String reason) {
    String r = reason == null ? "unknown" : reason;
    return r.length() > 1000 ? r.substring(0, 1000) : r;
  }
}
