package ates.analytics;

import akka.actor.typed.ActorRef;
import akka.actor.typed.Behavior;
import akka.actor.typed.SupervisorStrategy;
import akka.actor.typed.javadsl.ActorContext;
import akka.actor.typed.javadsl.Behaviors;
import akka.actor.typed.javadsl.StashBuffer;
import ates.contract.events.TransactionCreatedV1;
import java.time.Duration;
import java.time.LocalDate;
import java.util.HashMap;
import java.util.Map;

/**
 * The aggregate actor of one billing day: restores the day's figures from the database, keeps them
 * in memory while ingestion reports what it has stored, answers queries, and stops when idle. Each
 * change carries the Kafka offset it was stored with; a change already in the restored figures is
 * skipped, so a change is never counted twice. A failure restarts it from the database.
 */
final class Day {

  sealed interface Command {}

  record Get(ActorRef<DayFigures> replyTo) implements Command {}

  /** A change the ingestion has stored, from {@code partition} at {@code offset}. */
  record Change(String partition, long offset, Delta delta) implements Command {}

  private record Restored(AnalyticsStore.Loaded loaded) implements Command {}

  private record RestoreFailed(Throwable cause) implements Command {}

  private enum Idle implements Command {
    INSTANCE
  }

  /** From the parent, after it stopped routing to this day: queued messages are handled first. */
  enum Stop implements Command {
    INSTANCE
  }

  /** What a stored record changes in a day. */
  sealed interface Delta {
    DayFigures applyTo(DayFigures figures);
  }

  record FiguresDelta(
      long fees, long rewards, long tasks, long rewardSum, DayFigures.TaskFigure candidate)
      implements Delta {

    /** What a transaction adds to its day's fees and rewards; null for one that adds neither. */
    static FiguresDelta ofTransaction(TransactionCreatedV1 e) {
      return switch (e.type()) {
        case ASSIGNMENT_FEE -> new FiguresDelta(e.amount(), 0, 0, 0, null);
        case COMPLETION_REWARD -> new FiguresDelta(0, e.amount(), 0, 0, null);
        case PAYOUT -> null;
      };
    }

    public DayFigures applyTo(DayFigures f) {
      return f.plus(fees, rewards, tasks, rewardSum, candidate);
    }
  }

  /**
   * A movement of an account, booked on the change's day: it counts for that day and every later
   * one.
   */
  record BalanceDelta(java.util.UUID accountId, long signedAmount) implements Delta {
    public DayFigures applyTo(DayFigures f) {
      return f.plusMovement(accountId, signedAmount);
    }
  }

  record Both(FiguresDelta figures, BalanceDelta balance) implements Delta {
    public DayFigures applyTo(DayFigures f) {
      return balance.applyTo(figures.applyTo(f));
    }
  }

  static Behavior<Command> create(
      LocalDate date, AnalyticsStore store, Duration idleTimeout, ActorRef<Days.Command> parent) {
    return Behaviors.<Command>supervise(
            Behaviors.setup(
                context ->
                    Behaviors.withStash(
                        1000,
                        stash -> {
                          context.pipeToSelf(
                              store.load(date),
                              (loaded, failure) ->
                                  failure == null
                                      ? new Restored(loaded)
                                      : new RestoreFailed(failure));
                          return restoring(context, stash, idleTimeout, parent, date);
                        })))
        .onFailure(
            SupervisorStrategy.restartWithBackoff(
                Duration.ofMillis(200), Duration.ofSeconds(10), 0.2));
  }

  private static Behavior<Command> restoring(
      ActorContext<Command> context,
      StashBuffer<Command> stash,
      Duration idleTimeout,
      ActorRef<Days.Command> parent,
      LocalDate date) {
    return Behaviors.receive(Command.class)
        .onMessage(
            Restored.class,
            r -> {
              context.setReceiveTimeout(idleTimeout, Idle.INSTANCE);
              return stash.unstashAll(
                  active(
                      context,
                      parent,
                      date,
                      r.loaded().figures(),
                      new HashMap<>(r.loaded().offsets())));
            })
        .onMessage(
            RestoreFailed.class,
            r -> {
              throw new IllegalStateException("cannot restore day " + date, r.cause());
            })
        .onAnyMessage(
            m -> {
              stash.stash(m);
              return Behaviors.same();
            })
        .build();
  }

  private static Behavior<Command> active(
      ActorContext<Command> context,
      ActorRef<Days.Command> parent,
      LocalDate date,
      DayFigures figures,
      Map<String, Long> nextOffsets) {
    return Behaviors.receive(Command.class)
        .onMessage(
            Get.class,
            g -> {
              g.replyTo().tell(figures);
              return Behaviors.same();
            })
        .onMessage(
            Change.class,
            c -> {
              if (c.offset() < nextOffsets.getOrDefault(c.partition(), 0L)) return Behaviors.same();
              nextOffsets.put(c.partition(), c.offset() + 1);
              return active(context, parent, date, c.delta().applyTo(figures), nextOffsets);
            })
        .onMessage(
            Idle.class,
            i -> {
              parent.tell(new Days.Passivate(date, context.getSelf()));
              return Behaviors.same();
            })
        .onMessage(Stop.class, s -> Behaviors.stopped())
        .build();
  }

  private Day() {}
}
