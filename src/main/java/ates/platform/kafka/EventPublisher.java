package ates.platform.kafka;

import akka.Done;
import akka.actor.typed.ActorSystem;
import akka.cluster.sharding.typed.ShardedDaemonProcessSettings;
import akka.cluster.sharding.typed.javadsl.ShardedDaemonProcess;
import akka.kafka.javadsl.SendProducer;
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
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Function;
import org.apache.kafka.clients.producer.ProducerRecord;

/**
 * Publishes a service's journal to Kafka: the journal is the outbox. One at-least-once
 * akka-projection-jdbc projection per tag (offsets in the service's own database), run under
 * {@link ShardedDaemonProcess} on the nodes of the service's role, sending through the node's
 * shared producer. A redelivered journal event is published again with the same {@code eventId}.
 */
public final class EventPublisher {

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
                  JdbcProjection.atLeastOnceAsync(
                          ProjectionId.of(name, tag),
                          source,
                          database::newSession,
                          () ->
                              new PublishingHandler<>(
                                  service, kafka.producer(), kafka.topicPrefix(), metrics, toEvents),
                          system)
                      .withSaveOffset(100, Duration.ofMillis(200)));
            },
            ShardedDaemonProcessSettings.create(system).withRole(service),
            Optional.of(ProjectionBehavior.stopMessage()));
  }

  static final class PublishingHandler<E> extends Handler<EventEnvelope<E>> {
    private final String service;
    private final SendProducer<String, byte[]> producer;
    private final String topicPrefix;
    private final Metrics metrics;
    private final Function<E, List<OutgoingEvent>> toEvents;

    PublishingHandler(
        String service,
        SendProducer<String, byte[]> producer,
        String topicPrefix,
        Metrics metrics,
        Function<E, List<OutgoingEvent>> toEvents) {
      this.service = service;
      this.producer = producer;
      this.topicPrefix = topicPrefix;
      this.metrics = metrics;
      this.toEvents = toEvents;
    }

    @Override
    public CompletionStage<Done> process(EventEnvelope<E> envelope) {
      List<OutgoingEvent> events = toEvents.apply(envelope.event());
      CompletionStage<Done> chain = CompletableFuture.completedFuture(Done.getInstance());
      for (int i = 0; i < events.size(); i++) {
        OutgoingEvent event = events.get(i);
        ProducerRecord<String, byte[]> record =
            EventRecords.toRecord(
                event,
                EventRecords.eventId(envelope.persistenceId(), envelope.sequenceNr(), i),
                service,
                topicPrefix);
        chain =
            chain
                .thenCompose(d -> producer.send(record))
                .thenApply(
                    meta -> {
                      metrics.eventPublished(event.topic());
                      return Done.getInstance();
                    });
      }
      return chain;
    }
  }
}
