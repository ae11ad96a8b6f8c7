package ates.accounting;

import akka.actor.typed.Behavior;
import akka.actor.typed.javadsl.ActorContext;
import akka.actor.typed.javadsl.Behaviors;
import akka.actor.typed.javadsl.TimerScheduler;
import akka.cluster.sharding.typed.javadsl.ClusterSharding;
import java.time.Clock;
import java.time.Duration;
import java.time.LocalDate;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletionStage;
import java.util.function.Supplier;

/**
 * Closes each billing day when it ends: a cluster singleton (one per cluster, on an accounting
 * node) that asks the day's {@link BillingDay} entity to close right after midnight in the billing
 * zone. On start it closes every day since the last closed one through yesterday (at most {@value
 * #MAX_CATCH_UP_DAYS} days), in case no node was up at those midnights. It also resumes, every
 * {@code resume-interval}, any close that a crash cut short. The day entity makes every extra close
 * a no-op, so a singleton handover can never pay twice.
 *
 * <p>Steps: {@link #start} (ask for the last closed day, look for unfinished closes now and every
 * interval, wait for midnight); {@link #catchUp} (close the days missed); {@link #midnight} (wait
 * for the next midnight at once, whatever this close does, then close the day that ended); {@link
 * #closeDay}, then {@link #closed} or {@link #retryLater} (every minute until it succeeds); {@link
 * #findUnfinished}, then {@link #resumeEach} or {@link #skipUnfinished} (the next interval looks
 * again).
 */
final class BillingScheduler {

  /** The billing days as the scheduler sees them; an interface so that it is tested alone. */
  interface Days {

    /** Closes {@code day}, or answers its payouts if it is closed. */
    CompletionStage<BillingDay.Result> close(LocalDate day);

    /** The days whose close started and has not finished. */
    CompletionStage<List<LocalDate>> unfinished();

    /** The newest closed day; empty when no day was ever closed. */
    CompletionStage<Optional<LocalDate>> lastClosed();

    /** The days of a cluster: each its sharded entity; the unfinished from the read model. */
    static Days sharded(
        ClusterSharding sharding,
        Duration closeTimeout,
        Supplier<CompletionStage<List<LocalDate>>> unfinished,
        Supplier<CompletionStage<Optional<LocalDate>>> lastClosed) {
      return new Days() {
        @Override
        public CompletionStage<BillingDay.Result> close(LocalDate day) {
          return sharding
              .entityRefFor(BillingDay.ENTITY_KEY, day.toString())
              .askWithStatus(BillingDay.Close::new, closeTimeout);
        }

        @Override
        public CompletionStage<List<LocalDate>> unfinished() {
          return unfinished.get();
        }

        @Override
        public CompletionStage<Optional<LocalDate>> lastClosed() {
          return lastClosed.get();
        }
      };
    }
  }

  /** When days end in the billing zone. */
  record Calendar(ZoneId zone, Clock clock) {

    LocalDate yesterday() {
      return LocalDate.now(clock.withZone(zone)).minusDays(1);
    }

    /** The day in progress, closed one second after its midnight. */
    NextClose nextClose() {
      ZonedDateTime now = ZonedDateTime.now(clock.withZone(zone));
      ZonedDateTime midnight = now.toLocalDate().plusDays(1).atStartOfDay(zone);
      return new NextClose(now.toLocalDate(), Duration.between(now, midnight).plusSeconds(1));
    }
  }

  /** Close {@code day} after {@code delay}. */
  record NextClose(LocalDate day, Duration delay) {}

  static final Duration RETRY_DELAY = Duration.ofMinutes(1);

  /**
   * How many missed days a start closes at most: a cluster down for longer has an operator's
   * attention; the older days are logged and left (their balances carry over, nothing is lost).
   */
  static final int MAX_CATCH_UP_DAYS = 31;

  sealed interface Command {}

  private record CatchUp(Optional<LocalDate> lastClosed, String failure) implements Command {}

  private record Midnight(LocalDate day) implements Command {}

  private record CloseDay(LocalDate day) implements Command {}

  private record Closed(LocalDate day, int payouts) implements Command {}

  private record CloseFailed(LocalDate day, String reason) implements Command {}

  private record FindUnfinished() implements Command {}

  private record UnfinishedFound(List<LocalDate> days) implements Command {}

  private record UnfinishedUnknown(String reason) implements Command {}

  private final ActorContext<Command> context;
  private final TimerScheduler<Command> timers;
  private final Calendar calendar;
  private final Duration resumeInterval;
  private final Days days;

  private BillingScheduler(
      ActorContext<Command> context,
      TimerScheduler<Command> timers,
      Calendar calendar,
      Duration resumeInterval,
      Days days) {
    this.context = context;
    this.timers = timers;
    this.calendar = calendar;
    this.resumeInterval = resumeInterval;
    this.days = days;
  }

  static Behavior<Command> create(ZoneId zone, Clock clock, Duration resumeInterval, Days days) {
    return Behaviors.setup(
        context ->
            Behaviors.withTimers(
                timers ->
                    new BillingScheduler(
                            context, timers, new Calendar(zone, clock), resumeInterval, days)
                        .start()));
  }

  private Behavior<Command> start() {
    context.setLoggerName(BillingScheduler.class);
    context.pipeToSelf(
        days.lastClosed(),
        (last, failure) ->
            failure == null
                ? new CatchUp(last, null)
                : new CatchUp(Optional.empty(), failure.toString()));
    // a close cut short by a crash resumes on its own, not when someone asks again
    timers.startTimerWithFixedDelay("resume", new FindUnfinished(), Duration.ZERO, resumeInterval);
    waitForMidnight();
    return Behaviors.receive(Command.class)
        .onMessage(CatchUp.class, this::catchUp)
        .onMessage(Midnight.class, this::midnight)
        .onMessage(CloseDay.class, this::closeDay)
        .onMessage(Closed.class, this::closed)
        .onMessage(CloseFailed.class, this::retryLater)
        .onMessage(FindUnfinished.class, this::findUnfinished)
        .onMessage(UnfinishedFound.class, this::resumeEach)
        .onMessage(UnfinishedUnknown.class, this::skipUnfinished)
        .build();
  }

  private void waitForMidnight() {
    NextClose next = calendar.nextClose();
    timers.startSingleTimer("midnight", new Midnight(next.day()), next.delay());
  }

  /** Closes, oldest first, every day after the last closed one through yesterday. */
  private Behavior<Command> catchUp(CatchUp msg) {
    LocalDate yesterday = calendar.yesterday();
    LocalDate from = msg.lastClosed().map(d -> d.plusDays(1)).orElse(yesterday);
    if (msg.failure() != null) {
      context
          .getLog()
          .warn("Cannot read the last closed billing day ({}); closing yesterday", msg.failure());
    }
    LocalDate oldest = yesterday.minusDays(MAX_CATCH_UP_DAYS - 1);
    if (from.isBefore(oldest)) {
      context
          .getLog()
          .warn(
              "Billing days {} to {} were never closed; closing only the last {} days",
              from,
              oldest.minusDays(1),
              MAX_CATCH_UP_DAYS);
      from = oldest;
    }
    for (LocalDate day = from; !day.isAfter(yesterday); day = day.plusDays(1)) {
      context.getSelf().tell(new CloseDay(day));
    }
    return Behaviors.same();
  }

  /** A day ended: the next midnight is armed first, so a failing close never skips a day. */
  private Behavior<Command> midnight(Midnight msg) {
    waitForMidnight();
    return closeDay(new CloseDay(msg.day()));
  }

  private Behavior<Command> closeDay(CloseDay cmd) {
    context.pipeToSelf(
        days.close(cmd.day()),
        (result, failure) ->
            failure == null
                ? new Closed(cmd.day(), result.payouts().size())
                : new CloseFailed(cmd.day(), failure.toString()));
    return Behaviors.same();
  }

  private Behavior<Command> closed(Closed msg) {
    context.getLog().info("Billing day {} is closed ({} payouts)", msg.day(), msg.payouts());
    return Behaviors.same();
  }

  private Behavior<Command> retryLater(CloseFailed msg) {
    context
        .getLog()
        .warn("Closing billing day {} failed ({}); retrying in a minute", msg.day(), msg.reason());
    timers.startSingleTimer("retry-" + msg.day(), new CloseDay(msg.day()), RETRY_DELAY);
    return Behaviors.same();
  }

  private Behavior<Command> findUnfinished(FindUnfinished msg) {
    context.pipeToSelf(
        days.unfinished(),
        (found, failure) ->
            failure == null
                ? new UnfinishedFound(found)
                : new UnfinishedUnknown(failure.toString()));
    return Behaviors.same();
  }

  private Behavior<Command> resumeEach(UnfinishedFound msg) {
    for (LocalDate day : msg.days()) {
      context.getLog().info("Resuming the close of billing day {}", day);
      context.getSelf().tell(new CloseDay(day));
    }
    return Behaviors.same();
  }

  private Behavior<Command> skipUnfinished(UnfinishedUnknown msg) {
    context.getLog().warn("Cannot list unfinished billing days: {}", msg.reason());
    return Behaviors.same();
  }
}
