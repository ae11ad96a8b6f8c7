package ates.accounting;

import akka.actor.typed.Behavior;
import akka.actor.typed.javadsl.Behaviors;
import akka.cluster.sharding.typed.javadsl.ClusterSharding;
import java.time.Clock;
import java.time.Duration;
import java.time.LocalDate;
import java.time.ZoneId;
import java.time.ZonedDateTime;

/**
 * Closes each billing day when it ends: a cluster singleton (one per cluster, on an accounting
 * node) that asks the day's {@link BillingDay} entity to close right after midnight in the billing
 * zone, and on start closes yesterday in case no node was up at midnight. It also resumes, every
 * {@code resume-interval}, any close that a crash cut short. The day entity makes
 * every extra close a no-op, so a singleton handover can never pay twice.
 */
final class BillingScheduler {

  sealed interface Command {}

  private record CloseDay(LocalDate date) implements Command {}

  private record Closed(LocalDate date, int payouts) implements Command {}

  private record Failed(LocalDate date, String reason) implements Command {}

  private record Resume(java.util.List<LocalDate> days) implements Command {}

  private record CheckUnfinished() implements Command {}

  private BillingScheduler() {}

  static Behavior<Command> create(
      ZoneId zone,
      Clock clock,
      Duration closeTimeout,
      Duration resumeInterval,
      java.util.function.Supplier<java.util.concurrent.CompletionStage<java.util.List<LocalDate>>> running) {
    return Behaviors.setup(
        context ->
            Behaviors.withTimers(
                timers -> {
                  ClusterSharding sharding = ClusterSharding.get(context.getSystem());
                  Runnable scheduleNext =
                      () -> {
                        ZonedDateTime now = ZonedDateTime.now(clock.withZone(zone));
                        ZonedDateTime midnight = now.toLocalDate().plusDays(1).atStartOfDay(zone);
                        timers.startSingleTimer(
                            "midnight",
                            new CloseDay(now.toLocalDate()),
                            Duration.between(now, midnight).plusSeconds(1));
                      };
                  context.getSelf().tell(new CloseDay(LocalDate.now(clock.withZone(zone)).minusDays(1)));
                  // a close cut short by a crash resumes on its own, not when someone asks again
                  timers.startTimerWithFixedDelay("resume", new CheckUnfinished(), Duration.ZERO, resumeInterval);
                  scheduleNext.run();
                  return Behaviors.receive(Command.class)
                      .onMessage(
                          CloseDay.class,
                          cmd -> {
                            context.pipeToSelf(
                                sharding
                                    .entityRefFor(BillingDay.ENTITY_KEY, cmd.date().toString())
                                    .<BillingDay.Result>askWithStatus(BillingDay.Close::new, closeTimeout),
                                (result, failure) ->
                                    failure == null
                                        ? new Closed(cmd.date(), result.payouts().size())
                                        : new Failed(cmd.date(), failure.toString()));
                            return Behaviors.same();
                          })
                      .onMessage(
                          CheckUnfinished.class,
                          msg -> {
                            context.pipeToSelf(
                                running.get(),
                                (days, failure) ->
                                    failure == null
                                        ? new Resume(days)
                                        : new Failed(LocalDate.EPOCH, failure.toString()));
                            return Behaviors.same();
                          })
                      .onMessage(
                          Resume.class,
                          msg -> {
                            msg.days().forEach(day -> {
                              context.getLog().info("Resuming the close of billing day {}", day);
                              context.getSelf().tell(new CloseDay(day));
                            });
                            return Behaviors.same();
                          })
                      .onMessage(
                          Closed.class,
                          msg -> {
                            context.getLog().info("Billing day {} is closed ({} payouts)", msg.date(), msg.payouts());
                            scheduleNext.run();
                            return Behaviors.same();
                          })
                      .onMessage(
                          Failed.class,
                          msg -> {
                            if (msg.date().equals(LocalDate.EPOCH)) {
                              context.getLog().warn("Cannot list unfinished billing days: {}", msg.reason());
                              return Behaviors.same();
                            }
                            context.getLog().warn("Closing billing day {} failed ({}); retrying in a minute", msg.date(), msg.reason());
                            timers.startSingleTimer("retry-" + msg.date(), new CloseDay(msg.date()), Duration.ofMinutes(1));
                            return Behaviors.same();
                          })
                      .build();
                }));
  }

}
