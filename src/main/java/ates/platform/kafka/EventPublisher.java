package ates.platform.kafka;

import akka.Done;
import akka.actor.typed.ActorSystem;
import akka.cluster.sharding.typed.javadsl.ShardedDaemonProcess;
import akka.persistence.query.Offset;
import akka.projection.ProjectionBehavior;
import akka.projection.ProjectionId;
import akka.projection.eventsourced.EventEnvelope;
import akka.projection.eventsourced.javadsl.EventSourcedProvider;
import akka.projection.javadsl.Handler;
import akka.projection.javadsl.SourceProvider;
import akka.projection.jdbc.javadsl.JdbcProjection;
import ates.platform.Metrics;
import ates.platform.Tags;
import ates.platform.db.ServiceDatabase;
import ates.platform.resilience.Breaker;
import ates.platform.resilience.Breakers;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Function;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;

/**
 * Publishes a service's journal to Kafka: the journal is the outbox. One at-least-once grouped
 * akka-projection-jdbc projection per tag (offsets in the service's own database, saved after each
 * group is acknowledged), run under {@link ShardedDaemonProcess} on the nodes of the service's
 * role, sending through the node's shared producer. A redelivered journal event is published again
 * with the same {@code eventId}; per aggregate, events reach Kafka in journal order.
 */
public final class EventPublisher {

  /** At most this many journal events are published per group, and a group waits at most this. */
  private static final int GROUP_SIZE = 500;

  private static final Duration GROUP_WITHIN = Duration.ofMillis(20);

  private EventPublisher() {}

  /**
   * @param toEvents maps one journal event to the records it stands for (often one, maybe none)
   */
  public static <E> void start(
      ActorSystem<?> system,
      String service,
      String readJournalPluginId,
      Tags tags,
      ServiceDatabase database,
      KafkaPlatform kafka,
      Metrics metrics,
      Function<E, List<OutgoingEvent>> toEvents) {
    List<String> tagList = tags.all();
    String name = "publish-" + tags.prefix();
    ShardedDaemonProcess.get(system)
        .init(
            ProjectionBehavior.Command.class,
            name,
            tagList.size(),
            i -> {
              String tag = tagList.get(i);
              SourceProvider<Offset, EventEnvelope<E>> source =
                  EventSourcedProvider.eventsByTag(system, readJournalPluginId, tag);
              return ProjectionBehavior.create(
                  JdbcProjection.groupedWithinAsync(
                          ProjectionId.of(name, tag),
                          source,
                          database::newSession,
                          () ->
                              new PublishingHandler<>(
                                  name,
                                  service,
                                  kafka.kafkaProducer(),
                                  kafka.topicPrefix(),
                                  metrics,
                                  Clock.systemUTC(),
                                  toEvents,
                                  Breakers.get(system).kafka()),
                          system)
                      .withGroup(GROUP_SIZE, GROUP_WITHIN));
            },
            ates.platform.cluster.Leases.daemonProcess(system, service),
            Optional.of(ProjectionBehavior.stopMessage()));
  }

  /**
   * Publishes a group of journal events: hands every record of the group to the producer in journal
   * order, without waiting between them, then waits for all acknowledgements before the group's
   * offset is saved. The producer keeps that order per partition, so each aggregate's events stay
   * in order; a failure fails the group, which is published again from its first event. Once the
   * group is acknowledged, the projection's figures count its events and its lag (the age of its
   * newest event).
   */
  static final class PublishingHandler<E> extends Handler<List<EventEnvelope<E>>> {
    private final String projection;
    private final String service;
    private final Producer<String, byte[]> producer;
    private final String topicPrefix;
    private final Metrics metrics;
    private final Clock clock;
    private final Function<E, List<OutgoingEvent>> toEvents;
    private final Breaker breaker;

    PublishingHandler(
        String projection,
        String service,
        Producer<String, byte[]> producer,
        String topicPrefix,
        Metrics metrics,
        Clock clock,
        Function<E, List<OutgoingEvent>> toEvents) {
      this(projection, service, producer, topicPrefix, metrics, clock, toEvents, null);
    }

    PublishingHandler(
        String projection,
        String service,
        Producer<String, byte[]> producer,
        String topicPrefix,
        Metrics metrics,
        Clock clock,
        Function<E, List<OutgoingEvent>> toEvents,
        Breaker breaker) {
      this.breaker = breaker;
      this.projection = projection;
      this.service = service;
      this.producer = producer;
      this.topicPrefix = topicPrefix;
      this.metrics = metrics;
      this.clock = clock;
      this.toEvents = toEvents;
    }

    @Override
    public CompletionStage<Done> process(List<EventEnvelope<E>> envelopes) {
      List<CompletableFuture<Void>> acks = new ArrayList<>();
      // once a send has failed, no later record goes to the producer: a later record of the same
      // aggregate must never reach Kafka before an earlier one (the group is retried from its
      // start)
      AtomicBoolean failed = new AtomicBoolean();
      publishing:
      for (EventEnvelope<E> envelope : envelopes) {
        List<OutgoingEvent> events = toEvents.apply(envelope.event());
        for (int i = 0; i < events.size(); i++) {
          if (failed.get()) break publishing;
          OutgoingEvent event = events.get(i);
          ProducerRecord<String, byte[]> record =
              EventRecords.toRecord(
                  event,
                  EventRecords.eventId(envelope.persistenceId(), envelope.sequenceNr(), i),
                  service,
                  topicPrefix);
          acks.add(send(record, event.topic(), failed));
        }
      }
      return CompletableFuture.allOf(acks.toArray(new CompletableFuture[0]))
          .thenApply(
              v -> {
                processed(envelopes);
                return Done.getInstance();
              });
    }

    private void processed(List<EventEnvelope<E>> envelopes) {
      if (envelopes.isEmpty()) return;
      long newest = envelopes.stream().mapToLong(EventEnvelope::timestamp).max().getAsLong();
      metrics.projectionProcessed(projection, envelopes.size(), newest, clock.millis());
    }

    /**
     * Sends through the Kafka breaker: while it is open the record is not handed to the producer,
     * and the group fails at once (it is published again once a probe succeeds).
     */
    private CompletableFuture<Void> send(
        ProducerRecord<String, byte[]> record, String topic, AtomicBoolean failed) {
      if (breaker == null) return sendUnguarded(record, topic, failed);
      CompletableFuture<Void> ack = new CompletableFuture<>();
      breaker
          .call(() -> sendUnguarded(record, topic, failed))
          .whenComplete(
              (v, failure) -> {
                if (failure != null) {
                  failed.set(true);
                  ack.completeExceptionally(failure);
                } else {
                  ack.complete(null);
                }
              });
      return ack;
    }

    private CompletableFuture<Void> sendUnguarded(
        ProducerRecord<String, byte[]> record, String topic, AtomicBoolean failed) {
      CompletableFuture<Void> ack = new CompletableFuture<>();
      try {
        producer.send(
            record,
            (metadata, failure) -> {
              if (failure != null) {
                failed.set(true);
                ack.completeExceptionally(failure);
              } else {
                metrics.eventPublished(topic);
                ack.complete(null);
              }
            });
      } catch (RuntimeException e) {
        failed.set(true);
        ack.completeExceptionally(e);
      }
      return ack;
    }
  }
}
