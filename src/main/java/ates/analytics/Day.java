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
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;

/**
 * The aggregate actor of one billing day: restores the day's figures from the database, keeps them
 * in memory while ingestion reports what it has stored, answers queries, and stops when idle. Each
 * change carries the Kafka offset it was stored with; a change already in the restored figures is
 * skipped, so a change is never counted twice. A failure restarts it from the database, and a query
 * finding the figures older than {@link Timing#refreshInterval} reads them again first, so a change
 * told to an actor that no longer exists (an earlier incarnation of the analytics singleton) is
 * missing from the answers for that long at most.
 */
final class Day {

  sealed interface Command {}

  record Get(ActorRef<DayFigures> replyTo) implements Command {}

  /** A change the ingestion has stored, from {@code partition} at {@code offset}. */
  record Change(String partition, long offset, Delta delta) implements Command {}

  /** A query that waited for a read: answered with the figures as they are, without a refresh. */
  private record Answer(ActorRef<DayFigures> replyTo) implements Command {}

  private record Restored(long loadId, AnalyticsStore.Loaded loaded) implements Command {}

  private record RestoreFailed(long loadId, Throwable cause) implements Command {}

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

  /** How many messages a restoring day keeps; beyond, it drops changes and restores again. */
  static final int STASH_CAPACITY = 10_000;

  private static final AtomicLong LOADS = new AtomicLong();

  /** Timing of a day actor: when it stops unused, and how old its figures may be for a query. */
  record Timing(Duration idleTimeout, Duration refreshInterval) {}

  static Behavior<Command> create(
      LocalDate date, AnalyticsStore store, Timing timing, ActorRef<Days.Command> parent) {
    return create(date, store::load, timing, parent, STASH_CAPACITY);
  }

  /**
   * A day restored with {@code load}, keeping up to {@code stashCapacity} messages while it
   * restores.
   */
  static Behavior<Command> create(
      LocalDate date,
      Function<LocalDate, CompletionStage<AnalyticsStore.Loaded>> load,
      Timing timing,
      ActorRef<Days.Command> parent,
      int stashCapacity) {
    return Behaviors.<Command>supervise(
            Behaviors.setup(
                context ->
                    Behaviors.withStash(
                        stashCapacity,
                        stash ->
                            new Incarnation(context, stash, load, timing, parent, date)
                                .restoring())))
        .onFailure(
            SupervisorStrategy.restartWithBackoff(
                Duration.ofMillis(200), Duration.ofSeconds(10), 0.2));
  }

  /**
   * One incarnation of a day actor (a restart makes another): it reads its figures (restoring),
   * then keeps them (active), and reads them again when a query finds them older than the refresh
   * interval. Each read has an id of its own, and only the answer of the latest read counts: an
   * earlier one (of this incarnation, or of one before a restart, since both reply to the same
   * reference) may predate changes this day never saw.
   *
   * <p>While it reads, changes and queries are stashed. When the stash is full, a change is dropped
   * instead, and the day reads again once the current read is answered: every change is stored
   * before it is sent, so a read started after a change arrived includes it; the stashed changes
   * are then dropped too (the new read includes them), the queries kept.
   */
  private static final class Incarnation {
    private final ActorContext<Command> context;
    private final StashBuffer<Command> stash;
    private final Function<LocalDate, CompletionStage<AnalyticsStore.Loaded>> load;
    private final Timing timing;
    private final ActorRef<Days.Command> parent;
    private final LocalDate date;
    private long loadId;
    private boolean dropped;

    Incarnation(
        ActorContext<Command> context,
        StashBuffer<Command> stash,
        Function<LocalDate, CompletionStage<AnalyticsStore.Loaded>> load,
        Timing timing,
        ActorRef<Days.Command> parent,
        LocalDate date) {
      this.context = context;
      this.stash = stash;
      this.load = load;
      this.timing = timing;
      this.parent = parent;
      this.date = date;
    }

    Behavior<Command> restoring() {
      dropped = false;
      read();
      return Behaviors.receive(Command.class)
          .onMessage(Restored.class, this::onRestored)
          .onMessage(
              RestoreFailed.class,
              r -> {
                if (r.loadId() != loadId) return Behaviors.same();
                throw new IllegalStateException("cannot restore day " + date, r.cause());
              })
          .onMessage(
              Change.class,
              c -> {
                if (stash.isFull()) dropped = true;
                else stash.stash(c);
                return Behaviors.same();
              })
          .onMessage(
              Get.class,
              g -> {
                // a query beyond the capacity goes unanswered: its asker times out
                if (!stash.isFull()) stash.stash(new Answer(g.replyTo()));
                return Behaviors.same();
              })
          .onAnyMessage(
              m -> {
                if (!stash.isFull()) stash.stash(m);
                return Behaviors.same();
              })
          .build();
    }

    private void read() {
      long id = LOADS.incrementAndGet();
      loadId = id;
      context.pipeToSelf(
          load.apply(date),
          (loaded, failure) ->
              failure == null ? new Restored(id, loaded) : new RestoreFailed(id, failure));
    }

    private Behavior<Command> onRestored(Restored r) {
      if (r.loadId() != loadId) return Behaviors.same();
      if (dropped) {
        context
            .getLog()
            .info("Day {} dropped changes while restoring (stash full): reading it again", date);
        List<Command> queries = new ArrayList<>();
        stash.forEach(
            m -> {
              if (!(m instanceof Change)) queries.add(m);
            });
        stash.clear();
        queries.forEach(stash::stash);
        dropped = false;
        read();
        return Behaviors.same();
      }
      context.setReceiveTimeout(timing.idleTimeout(), Idle.INSTANCE);
      return stash.unstashAll(
          active(r.loaded().figures(), new HashMap<>(r.loaded().offsets()), System.nanoTime()));
    }

    /**
     * A day with its figures, read at {@code readAt} ({@link System#nanoTime}) and changed since by
     * what ingestion told it, with each partition's next offset.
     */
    private Behavior<Command> active(
        DayFigures figures, Map<String, Long> nextOffsets, long readAt) {
      return Behaviors.receive(Command.class)
          .onMessage(
              Answer.class,
              a -> {
                a.replyTo().tell(figures);
                return Behaviors.same();
              })
          .onMessage(
              Get.class,
              g -> {
                if (System.nanoTime() - readAt >= timing.refreshInterval().toNanos()) {
                  // read again before answering: the answer then lacks no change for longer
                  stash.stash(new Answer(g.replyTo()));
                  return restoring();
                }
                g.replyTo().tell(figures);
                return Behaviors.same();
              })
          .onMessage(
              Change.class,
              c -> {
                if (c.offset() < nextOffsets.getOrDefault(c.partition(), 0L))
                  return Behaviors.same();
                nextOffsets.put(c.partition(), c.offset() + 1);
                return active(c.delta().applyTo(figures), nextOffsets, readAt);
              })
          .onMessage(
              Idle.class,
              i -> {
                parent.tell(new Days.Passivate(date, context.getSelf()));
                return Behaviors.same();
              })
          .onMessage(Stop.class, s -> Behaviors.stopped())
          // the answer of a read superseded while restoring
          .onMessage(Restored.class, r -> Behaviors.same())
          .onMessage(RestoreFailed.class, r -> Behaviors.same())
          .build();
    }
  }

  private Day() {}
}
