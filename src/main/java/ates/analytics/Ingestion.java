package ates.analytics;

import akka.Done;
import akka.actor.typed.ActorRef;
import akka.actor.typed.Behavior;
import akka.actor.typed.javadsl.Behaviors;
import akka.kafka.Subscriptions;
import akka.kafka.javadsl.Consumer;
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
import ates.contract.events.TaskCompletedV1;
import ates.contract.events.TransactionCreatedV1;
import ates.contract.events.UserRegisteredV1;
import ates.contract.events.UserRoleChangedV1;
import ates.platform.ServiceContext;
import ates.platform.kafka.EventConsumer;
import com.typesafe.config.Config;
import java.time.LocalDate;
import java.time.ZoneId;
import java.time.temporal.ChronoUnit;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletionStage;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.TopicPartition;

/**
 * The supervisor of one ingestion stream: an Alpakka Kafka partitioned source that resumes every
 * partition from the offset stored in the analytics database (not from the consumer group), applies
 * each record in one database transaction with its next offset, then tells the day actors what
 * changed. Records that cannot be parsed or validated go to the dead-letter topic and only move the
 * offset. The stream restarts with backoff; stopping the actor stops the stream.
 */
final class Ingestion {

  static final String CONSUMER = "analytics";
  static final List<String> TOPICS = List.of(Topics.USERS, Topics.TRANSACTION_CREATED, Topics.TASK_COMPLETED);

  private Ingestion() {}

  static Behavior<Void> create(
      ServiceContext ctx, String contractTopic, AnalyticsStore store, ActorRef<Days.Command> days, ZoneId zone) {
    return Behaviors.setup(context -> {
      String topic = ctx.kafka().topic(contractTopic);
      Config restart = ctx.config().getConfig("ates.kafka.consumer-restart");
      RestartSettings restartSettings =
          RestartSettings.create(
              restart.getDuration("min-backoff"), restart.getDuration("max-backoff"), restart.getDouble("random-factor"));
      Handler handler = new Handler(ctx, topic, store, days, zone);
      UniqueKillSwitch killSwitch =
          RestartSource.onFailuresWithBackoff(
                  restartSettings,
                  () ->
                      Consumer.plainPartitionedManualOffsetSource(
                              ctx.kafka().consumerSettings("analytics-" + contractTopic),
                              Subscriptions.topics(topic),
                              partitions -> storedOffsets(store, topic, partitions))
                          // every assigned partition is a sub-stream that never completes: merge them all
                          .flatMapMerge(Integer.MAX_VALUE, pair -> pair.second().mapAsync(1, handler::handle))
                          .mapMaterializedValue(control -> Done.getInstance()))
              .viaMat(KillSwitches.single(), Keep.right())
              .toMat(Sink.ignore(), Keep.left())
              .run(context.getSystem());
      // stop reading when the node stops serving, before the broker or the database go away
      akka.actor.CoordinatedShutdown.get(context.getSystem())
          .addTask(
              akka.actor.CoordinatedShutdown.PhaseServiceStop(),
              "stop-ingestion-" + topic + "-" + context.getSelf().path().uid(),
              () -> {
                killSwitch.shutdown();
                return java.util.concurrent.CompletableFuture.completedFuture(Done.getInstance());
              });
      context.getLog().info("Ingesting {} from stored offsets", topic);
      return Behaviors.receive(Void.class)
          .onSignal(akka.actor.typed.PostStop.class, s -> {
            killSwitch.shutdown();
            return Behaviors.same();
          })
          .build();
    });
  }

  private static CompletionStage<Map<TopicPartition, Object>> storedOffsets(
      AnalyticsStore store, String topic, java.util.Set<TopicPartition> partitions) {
    return store
        .offsets(CONSUMER, List.of(topic))
        .thenApply(stored -> {
          Map<TopicPartition, Object> seek = new HashMap<>();
          for (TopicPartition tp : partitions) {
            Long next = stored.get(AnalyticsStore.partitionKey(tp.topic(), tp.partition()));
            seek.put(tp, next == null ? 0L : next);
          }
          return seek;
        });
  }

  private static final class Handler {
    private final ServiceContext ctx;
    private final String topic;
    private final AnalyticsStore store;
    private final ActorRef<Days.Command> days;
    private final ZoneId zone;

    Handler(ServiceContext ctx, String topic, AnalyticsStore store, ActorRef<Days.Command> days, ZoneId zone) {
      this.ctx = ctx;
      this.topic = topic;
      this.store = store;
      this.days = days;
      this.zone = zone;
    }

    CompletionStage<Done> handle(ConsumerRecord<String, byte[]> record) {
      int partition = record.partition();
      long offset = record.offset();
      String key = AnalyticsStore.partitionKey(topic, partition);
      try {
        return apply(record, EventJson.decode(record.value()), partition, offset, key);
      } catch (InvalidEventException e) {
        // unparsable, invalid, or valid against its schema but with data that cannot be read
        return EventConsumer.deadLetter(record, e.getMessage(), ctx.kafka().producer(), ctx.metrics())
            .thenCompose(d -> store.skip(CONSUMER, topic, partition, offset))
            .thenApply(d -> Done.getInstance());
      }
    }

    private CompletionStage<Done> apply(
        ConsumerRecord<String, byte[]> record, EventEnvelope envelope, int partition, long offset, String key) {
      CompletionStage<Done> done;
      switch (envelope.eventName()) {
        case TransactionCreatedV1.NAME -> {
          TransactionCreatedV1 e = EventJson.dataAs(envelope, TransactionCreatedV1.class);
          done = store.applyTransaction(CONSUMER, topic, partition, offset, e).thenApply(isNew -> {
            if (isNew) {
              days.tell(new Days.Changed(e.billingDate(), key, offset,
                  Day.FiguresDelta.ofTransaction(e),
                  new Day.BalanceDelta(e.accountId(), e.direction().signed(e.amount()))));
            }
            return Done.getInstance();
          });
        }
        case TaskCompletedV1.NAME -> {
          TaskCompletedV1 raw = EventJson.dataAs(envelope, TaskCompletedV1.class);
          // the database keeps microseconds: memory keeps the same, so hot and cold days agree
          TaskCompletedV1 e = raw.withCompletedAt(raw.completedAt().truncatedTo(ChronoUnit.MICROS));
          LocalDate day = LocalDate.ofInstant(e.completedAt(), zone);
          done = store.applyCompletion(CONSUMER, topic, partition, offset, e, day).thenApply(isNew -> {
            if (isNew) {
              days.tell(new Days.Changed(day, key, offset,
                  new Day.FiguresDelta(0, 0, 1, e.completionReward(),
                      DayFigures.TaskFigure.of(e)),
                  null));
            }
            return Done.getInstance();
          });
        }
        case UserRegisteredV1.NAME, UserRoleChangedV1.NAME -> done =
            store.applyUser(CONSUMER, topic, partition, offset, envelope).thenApply(c -> Done.getInstance());
        default -> done = store.skip(CONSUMER, topic, partition, offset).thenApply(c -> Done.getInstance());
      }
      return done.thenApply(d -> {
        ctx.metrics().eventConsumed(record.topic());
        return d;
      });
    }
  }

}
