package ates.analytics;

import akka.actor.typed.ActorRef;
import akka.actor.typed.Behavior;
import akka.actor.typed.SupervisorStrategy;
import akka.actor.typed.javadsl.Behaviors;
import akka.actor.typed.receptionist.Receptionist;
import ates.platform.CborSerializable;
import ates.platform.ServiceContext;
import java.time.Duration;
import java.time.LocalDate;
import java.time.ZoneId;

/**
 * The analytics guardian: one per cluster (a cluster singleton on an analytics node), so the day
 * actors see every partition's changes. It supervises one ingestion actor per stream and the day
 * actors' parent, and forwards queries for hot days to them.
 */
final class AnalyticsGuardian {

  sealed interface Command extends CborSerializable {}

  record GetDay(LocalDate date, ActorRef<DayFigures> replyTo) implements Command {}

  private AnalyticsGuardian() {}

  static Behavior<Command> create(
      ServiceContext ctx, AnalyticsStore store, ZoneId zone, Day.Timing timing) {
    return Behaviors.setup(
        context -> {
          // the queries find this guardian through the receptionist (GuardianLocator)
          context
              .getSystem()
              .receptionist()
              .tell(Receptionist.register(GuardianLocator.KEY, context.getSelf()));
          ActorRef<Days.Command> days =
              context.spawn(
                  Behaviors.supervise(Days.create(store, timing))
                      .onFailure(SupervisorStrategy.restart()),
                  "days");
          for (String topic : Ingestion.TOPICS) {
            context.spawn(
                Behaviors.supervise(Ingestion.create(ctx, topic, store, days, zone))
                    .onFailure(
                        SupervisorStrategy.restartWithBackoff(
                            Duration.ofSeconds(1), Duration.ofSeconds(30), 0.2)),
                "ingest-" + topic);
          }
          return Behaviors.receive(Command.class)
              .onMessage(
                  GetDay.class,
                  q -> {
                    days.tell(new Days.GetDay(q.date(), q.replyTo()));
                    return Behaviors.same();
                  })
              .build();
        });
  }
}
