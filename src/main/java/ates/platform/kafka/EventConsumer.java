package ates.platform.kafka;

import akka.Done;
import akka.actor.CoordinatedShutdown;
import akka.actor.typed.ActorSystem;
import akka.kafka.CommitterSettings;
import akka.kafka.ConsumerMessage;
import akka.kafka.ConsumerMessage.Committable;
import akka.kafka.ConsumerMessage.CommittableMessage;
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
import ates.contract.EventEnvelope;
import ates.contract.EventJson;
import ates.contract.InvalidEventException;
import ates.contract.Topics;
import ates.platform.Metrics;
import com.typesafe.config.Config;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Function;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The consumer building block every service reuses: an Alpakka Kafka committable source on one
 * topic that
 *
 * <ul>
 *   <li>parses and validates each record against the contract; a record that fails goes unchanged
 *       to {@code <topic>.DLT} with the reason in the {@value #DLT_REASON_HEADER} header, and the
 *       stream moves on;
 *   <li>hands valid envelopes to the handler in batches of what has arrived (up to {@value
 *       #BATCH}): records with the same key (the same aggregate) one after another in partition
 *       order, records of different keys concurrently; and commits the batch's offsets only after
 *       every effect of the batch is durable (every future completed);
 *   <li>restarts with backoff when the handler or Kafka fails: records after the last commit are
 *       delivered again, so handlers must be idempotent.
 * </ul>
 */
public final class EventConsumer {

  public static final String DLT_REASON_HEADER = "ates-dlt-reason";
  public static final String DLT_SOURCE_HEADER = "ates-dlt-source";

  private static final Logger log = LoggerFactory.getLogger(EventConsumer.class);

  /** Records handled per batch at most. */
  static final int BATCH = 100;

  private EventConsumer() {}

  /**
   * Starts the stream; it stops in the node's CoordinatedShutdown (service-stop phase).
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
    Config restart = system.settings().config().getConfig("ates.kafka.consumer-restart");
    RestartSettings restartSettings =
        RestartSettings.create(
            restart.getDuration("min-backoff"),
            restart.getDuration("max-backoff"),
            restart.getDouble("random-factor"));
    CommitterSettings committerSettings = CommitterSettings.create(system);
    SendProducer<String, byte[]> producer = kafka.producer();

    UniqueKillSwitch killSwitch =
        RestartSource.onFailuresWithBackoff(
                restartSettings,
                () ->
                    Consumer.committableSource(
                            kafka.consumerSettings(groupId), Subscriptions.topics(kafka.topic(topic)))
                        .batch(BATCH, EventConsumer::firstOfBatch, EventConsumer::addToBatch)
                        .mapAsync(
                            1,
                            batch ->
                                handleBatch(batch, producer, metrics, handler)
                                    .thenApply(done -> offsets(batch)))
                        .via(Committer.flow(committerSettings))
                        .mapMaterializedValue(control -> Done.getInstance()))
            .viaMat(KillSwitches.single(), Keep.right())
            .toMat(Sink.ignore(), Keep.left())
            .run(system);

    CoordinatedShutdown.get(system)
        .addTask(
            CoordinatedShutdown.PhaseServiceStop(),
            "stop-consumer-" + groupId + "-" + topic,
            () -> {
              killSwitch.shutdown();
              return CompletableFuture.completedFuture(Done.getInstance());
            });
    log.info("Consuming {} as group {}", topic, groupId);
    return killSwitch;
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

  /** One chain per key, in arrival order; the chains run concurrently. */
  private static CompletionStage<Done> handleBatch(
      List<CommittableMessage<String, byte[]>> batch,
      SendProducer<String, byte[]> producer,
      Metrics metrics,
      Function<EventEnvelope, CompletionStage<Done>> handler) {
    Map<String, CompletionStage<Done>> chains = new LinkedHashMap<>();
    for (CommittableMessage<String, byte[]> msg : batch) {
      ConsumerRecord<String, byte[]> record = msg.record();
      String key = record.key() == null ? "" : record.key();
      CompletionStage<Done> previous =
          chains.getOrDefault(key, CompletableFuture.completedFuture(Done.getInstance()));
      chains.put(key, previous.thenCompose(d -> handle(record, producer, metrics, handler)));
    }
    return CompletableFuture.allOf(
            chains.values().stream()
                .map(CompletionStage::toCompletableFuture)
                .toArray(CompletableFuture[]::new))
        .thenApply(v -> Done.getInstance());
  }

  private static CompletionStage<Done> handle(
      ConsumerRecord<String, byte[]> record,
      SendProducer<String, byte[]> producer,
      Metrics metrics,
      Function<EventEnvelope, CompletionStage<Done>> handler) {
    EventEnvelope envelope;
    try {
      envelope = EventJson.decode(record.value());
    } catch (InvalidEventException e) {
      return deadLetter(record, e.getMessage(), producer, metrics);
    }
    CompletionStage<Done> handled;
    try {
      handled = handler.apply(envelope);
    } catch (InvalidEventException e) {
      // valid against its schema, yet its data cannot be read (a number too large, a date that does not exist)
      return deadLetter(record, e.getMessage(), producer, metrics);
    }
    return handled
        .handle(
            (done, failure) -> {
              if (failure == null) {
                metrics.eventConsumed(record.topic());
                return CompletableFuture.completedFuture(Done.getInstance());
              }
              Throwable cause = failure instanceof java.util.concurrent.CompletionException && failure.getCause() != null
                  ? failure.getCause() : failure;
              if (cause instanceof InvalidEventException invalid) {
                return deadLetter(record, invalid.getMessage(), producer, metrics);
              }
              return CompletableFuture.<Done>failedFuture(cause);
            })
        .thenCompose(stage -> stage);
  }

  /** Sends the record, unchanged, to its topic's dead-letter topic with the reason (for streams that manage offsets themselves too). */
  public static CompletionStage<Done> deadLetter(
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
