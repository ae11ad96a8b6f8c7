package ates.analytics;

import akka.actor.typed.ActorRef;
import akka.actor.typed.Behavior;
import akka.actor.typed.javadsl.Behaviors;
import java.time.LocalDate;
import java.util.HashMap;
import java.util.Map;

/**
 * Parent of the day actors: creates a day's actor on demand (for a query or a change of a day it
 * keeps hot), routes changes to the live days they touch, and stops idle days. A movement booked on
 * day D changes the end-of-day balance of every live day from D on.
 */
final class Days {

  sealed interface Command {}

  record GetDay(LocalDate date, ActorRef<DayFigures> replyTo) implements Command {}

  /**
   * A stored record's changes: {@code sameDay} to its own day, {@code fromDayOn} (a balance) to its
   * day and every later one.
   */
  record Changed(
      LocalDate day,
      String partition,
      long offset,
      Day.FiguresDelta sameDay,
      Day.BalanceDelta fromDayOn)
      implements Command {}

  record Passivate(LocalDate date, ActorRef<Day.Command> day) implements Command {}

  /**
   * A partition's offsets started again below those stored (its topic was recreated): every live
   * day stops, after the changes already sent to it, and is restored from the database when next
   * needed, with the partition's new offsets. Sent after the transaction that stored them.
   */
  enum Reload implements Command {
    INSTANCE
  }

  private Days() {}

  static Behavior<Command> create(AnalyticsStore store, Day.Timing timing) {
    return Behaviors.setup(
        context -> {
          Map<LocalDate, ActorRef<Day.Command>> live = new HashMap<>();
          long[] spawned = {0};
          return Behaviors.receive(Command.class)
              .onMessage(
                  GetDay.class,
                  q -> {
                    ActorRef<Day.Command> day =
                        live.computeIfAbsent(
                            q.date(),
                            d ->
                                context.spawn(
                                    Day.create(d, store, timing, context.getSelf()),
                                    "day-" + d + "-" + (++spawned[0])));
                    day.tell(new Day.Get(q.replyTo()));
                    return Behaviors.same();
                  })
              .onMessage(
                  Changed.class,
                  c -> {
                    for (Map.Entry<LocalDate, ActorRef<Day.Command>> e : live.entrySet()) {
                      Day.Delta delta = null;
                      if (e.getKey().equals(c.day())) {
                        delta =
                            c.sameDay() == null
                                ? c.fromDayOn()
                                : c.fromDayOn() == null
                                    ? c.sameDay()
                                    : new Day.Both(c.sameDay(), c.fromDayOn());
                      } else if (e.getKey().isAfter(c.day())) {
                        delta = c.fromDayOn();
                      }
                      if (delta != null)
                        e.getValue().tell(new Day.Change(c.partition(), c.offset(), delta));
                    }
                    return Behaviors.same();
                  })
              .onMessage(
                  Reload.class,
                  r -> {
                    live.values().forEach(day -> day.tell(Day.Stop.INSTANCE));
                    live.clear();
                    return Behaviors.same();
                  })
              .onMessage(
                  Passivate.class,
                  p -> {
                    if (live.get(p.date()) == p.day()) {
                      live.remove(p.date());
                      p.day().tell(Day.Stop.INSTANCE);
                    }
                    return Behaviors.same();
                  })
              .build();
        });
  }
}
