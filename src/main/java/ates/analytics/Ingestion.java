package ates.analytics;

import akka.Done;
import akka.actor.typed.ActorRef;
import akka.actor.typed.Behavior;
import akka.actor.typed.PostStop;
import akka.actor.typed.javadsl.Behaviors;
import akka.stream.UniqueKillSwitch;
import ates.contract.EventEnvelope;
import ates.contract.EventJson;
import ates.contract.Topics;
import ates.contract.events.TaskCompletedV1;
import ates.contract.events.TransactionCreatedV1;
import ates.contract.events.UserRegisteredV1;
import ates.contract.events.UserRoleChangedV1;
import ates.platform.ServiceContext;
import ates.platform.kafka.EventConsumer;
import ates.platform.kafka.OffsetStore;
import ates.platform.kafka.Offsets;
import ates.platform.kafka.RecordPosition;
import java.time.LocalDate;
import java.time.ZoneId;
import java.time.temporal.ChronoUnit;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletionStage;
import org.apache.kafka.common.TopicPartition;

/**
 * The supervisor of one ingestion stream: the platform's consumer block with offsets stored in the
 * analytics database ({@link Offsets#storedBy}). Every partition resumes from the offset stored
 * there (not from the consumer group), each record is applied in one database transaction with its
 * next offset, then the day actors are told what changed. Records that cannot be parsed or
 * validated go to the dead-letter topic and only move the offset. The stream restarts with backoff;
 * stopping the actor stops the stream.
 */
final class Ingestion {

  static final String CONSUMER = "analytics";
  static final List<String> TOPICS =
      List.of(Topics.USERS, Topics.TRANSACTION_CREATED, Topics.TASK_COMPLETED);

  private Ingestion() {}

  static Behavior<Void> create(
      ServiceContext ctx,
      String contractTopic,
      AnalyticsStore store,
      ActorRef<Days.Command> days,
      ZoneId zone) {
    return Behaviors.setup(
        context -> {
          Handler handler = new Handler(store, days, zone);
          UniqueKillSwitch killSwitch =
              EventConsumer.start(
                  context.getSystem(),
                  ctx.kafka(),
                  ctx.metrics(),
                  "analytics-" + contractTopic,
                  contractTopic,
                  Offsets.storedBy(new StoredOffsets(store)),
                  handler::apply);
          return Behaviors.receive(Void.class)
              .onSignal(
                  PostStop.class,
                  s -> {
                    killSwitch.shutdown();
                    return Behaviors.same();
                  })
              .build();
        });
  }

  /** The offsets of {@value #CONSUMER} in the analytics database's {@code kafka_offsets}. */
  private record StoredOffsets(AnalyticsStore store) implements OffsetStore {

    @Override
    public CompletionStage<Map<TopicPartition, Long>> nextOffsets(Set<TopicPartition> partitions) {
      List<String> topics = partitions.stream().map(TopicPartition::topic).distinct().toList();
      return store
          .offsets(CONSUMER, topics)
          .thenApply(
              stored -> {
                Map<TopicPartition, Long> next = new HashMap<>();
                for (TopicPartition tp : partitions) {
                  Long offset = stored.get(AnalyticsStore.partitionKey(tp.topic(), tp.partition()));
                  if (offset != null) next.put(tp, offset);
                }
                return next;
              });
    }

    @Override
    public CompletionStage<Done> skip(RecordPosition at) {
      return store
          .skip(CONSUMER, at.topic(), at.partition(), at.offset())
          .thenApply(c -> Done.getInstance());
    }
  }

  private record Handler(AnalyticsStore store, ActorRef<Days.Command> days, ZoneId zone) {

    CompletionStage<Done> apply(EventEnvelope envelope, RecordPosition at) {
      return switch (envelope.eventName()) {
        case TransactionCreatedV1.NAME ->
            transaction(EventJson.dataAs(envelope, TransactionCreatedV1.class), at);
        case TaskCompletedV1.NAME ->
            completion(EventJson.dataAs(envelope, TaskCompletedV1.class), at);
        case UserRegisteredV1.NAME, UserRoleChangedV1.NAME ->
            store
                .applyUser(CONSUMER, at.topic(), at.partition(), at.offset(), envelope)
                .thenApply(c -> Done.getInstance());
        default ->
            store
                .skip(CONSUMER, at.topic(), at.partition(), at.offset())
                .thenApply(c -> Done.getInstance());
      };
    }

    private CompletionStage<Done> transaction(TransactionCreatedV1 e, RecordPosition at) {
      return store
          .applyTransaction(CONSUMER, at.topic(), at.partition(), at.offset(), e)
          .thenApply(
              isNew -> {
                if (isNew) {
                  days.tell(
                      new Days.Changed(
                          e.billingDate(),
                          partitionKey(at),
                          at.offset(),
                          Day.FiguresDelta.ofTransaction(e),
                          new Day.BalanceDelta(e.accountId(), e.direction().signed(e.amount()))));
                }
                return Done.getInstance();
              });
    }

    private CompletionStage<Done> completion(TaskCompletedV1 raw, RecordPosition at) {
      // the database keeps microseconds: memory keeps the same, so hot and cold days agree
      TaskCompletedV1 e = raw.withCompletedAt(raw.completedAt().truncatedTo(ChronoUnit.MICROS));
      LocalDate day = LocalDate.ofInstant(e.completedAt(), zone);
      return store
          .applyCompletion(CONSUMER, at.topic(), at.partition(), at.offset(), e, day)
          .thenApply(
              isNew -> {
                if (isNew) {
                  days.tell(
                      new Days.Changed(
                          day,
                          partitionKey(at),
                          at.offset(),
                          new Day.FiguresDelta(
                              0, 0, 1, e.completionReward(), DayFigures.TaskFigure.of(e)),
                          null));
                }
                return Done.getInstance();
              });
    }

    private static String partitionKey(RecordPosition at) {
      return AnalyticsStore.partitionKey(at.topic(), at.partition());
    }
  }
}
