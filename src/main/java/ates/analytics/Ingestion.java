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
import ates.platform.kafka.RecordPosition;
import java.time.LocalDate;
import java.time.ZoneId;
import java.time.temporal.ChronoUnit;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.kafka.common.TopicPartition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The supervisor of one ingestion stream: the platform's consumer block with offsets stored in the
 * analytics database ({@link ates.platform.kafka.Offsets#storedBy}). Every partition resumes from
 * the offset stored there (not from the consumer group); the records of a partition that arrived
 * together (up to a batch) are applied in one database transaction with the offset after them, then
 * the day actors are told what changed, record by record. Records that cannot be parsed or
 * validated go to the dead-letter topic and only move the offset. The stream restarts with backoff;
 * stopping the actor stops the stream.
 */
final class Ingestion {

  private static final Logger log = LoggerFactory.getLogger(Ingestion.class);

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
          Map<String, Long> seekedTo = new ConcurrentHashMap<>();
          UniqueKillSwitch killSwitch =
              EventConsumer.startBatched(
                  context.getSystem(),
                  ctx.kafka(),
                  ctx.metrics(),
                  "analytics-" + contractTopic,
                  contractTopic,
                  new StoredOffsets(store, seekedTo),
                  new Handler(store, days, zone, seekedTo));
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

  /**
   * The offsets of {@value #CONSUMER} in the analytics database's {@code kafka_offsets}. What it
   * returns on an assignment is kept in {@code seekedTo}, for the handler to see a partition that
   * starts below it.
   */
  private record StoredOffsets(AnalyticsStore store, Map<String, Long> seekedTo)
      implements OffsetStore {

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
                  if (offset != null) {
                    next.put(tp, offset);
                    seekedTo.put(AnalyticsStore.partitionKey(tp.topic(), tp.partition()), offset);
                  }
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

  /** A record read for a batch, with where it was read. */
  private record Read(AnalyticsStore.Ingested record, RecordPosition at) {}

  /**
   * Applies a partition's batch in one transaction with its offset, then tells the day actors what
   * changed, record by record in offset order.
   *
   * <p>A partition whose first batch after an assignment starts below the stored offset was
   * recreated (a topic deleted and rebuilt by republishing, docs/disaster-recovery.md): the stored
   * offset lay beyond the new topic's end, and the consumer went back to its start ({@code
   * auto.offset.reset=earliest}). Its events are applied once each (known eventIds change nothing),
   * the new offset replaces the old, and the live days reload, since their offsets of that
   * partition would make them skip the new topic's changes.
   */
  private record Handler(
      AnalyticsStore store, ActorRef<Days.Command> days, ZoneId zone, Map<String, Long> seekedTo)
      implements EventConsumer.PartitionBatchHandler<Read> {

    @Override
    public Read read(EventEnvelope envelope, RecordPosition at) {
      AnalyticsStore.Ingested record =
          switch (envelope.eventName()) {
            case TransactionCreatedV1.NAME ->
                new AnalyticsStore.Transaction(
                    EventJson.dataAs(envelope, TransactionCreatedV1.class));
            case TaskCompletedV1.NAME -> {
              // the database keeps microseconds: memory keeps the same, so hot and cold days agree
              TaskCompletedV1 raw = EventJson.dataAs(envelope, TaskCompletedV1.class);
              TaskCompletedV1 e =
                  raw.withCompletedAt(raw.completedAt().truncatedTo(ChronoUnit.MICROS));
              yield new AnalyticsStore.Completion(e, LocalDate.ofInstant(e.completedAt(), zone));
            }
            case UserRegisteredV1.NAME, UserRoleChangedV1.NAME -> new AnalyticsStore.User(envelope);
            default -> new AnalyticsStore.Ignored();
          };
      return new Read(record, at);
    }

    @Override
    public CompletionStage<Done> apply(List<Read> batch, RecordPosition last) {
      String partition = AnalyticsStore.partitionKey(last.topic(), last.partition());
      Long stored = seekedTo.remove(partition);
      long first = batch.get(0).at().offset();
      boolean rewound = stored != null && first < stored;
      if (rewound) {
        log.warn(
            "{} starts at offset {}, below the stored offset {}: the topic was recreated; reading"
                + " it from its start (each event applied once)",
            partition,
            first,
            stored);
      }
      return store
          .apply(
              CONSUMER,
              last.topic(),
              last.partition(),
              last.offset(),
              batch.stream().map(Read::record).toList())
          .thenApply(
              changed -> {
                if (rewound) days.tell(Days.Reload.INSTANCE);
                for (int i = 0; i < batch.size(); i++) {
                  if (changed.get(i)) tell(batch.get(i));
                }
                return Done.getInstance();
              });
    }

    private void tell(Read read) {
      String partition = AnalyticsStore.partitionKey(read.at().topic(), read.at().partition());
      if (read.record() instanceof AnalyticsStore.Transaction t) {
        TransactionCreatedV1 e = t.event();
        days.tell(
            new Days.Changed(
                e.billingDate(),
                partition,
                read.at().offset(),
                Day.FiguresDelta.ofTransaction(e),
                new Day.BalanceDelta(e.accountId(), e.direction().signed(e.amount()))));
      } else if (read.record() instanceof AnalyticsStore.Completion done) {
        TaskCompletedV1 e = done.event();
        days.tell(
            new Days.Changed(
                done.day(),
                partition,
                read.at().offset(),
                new Day.FiguresDelta(0, 0, 1, e.completionReward(), DayFigures.TaskFigure.of(e)),
                null));
      }
    }
  }
}
