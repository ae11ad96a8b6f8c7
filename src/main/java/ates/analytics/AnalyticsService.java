package ates.analytics;

import akka.actor.typed.SupervisorStrategy;
import akka.actor.typed.javadsl.Behaviors;
import akka.cluster.typed.ClusterSingleton;
import akka.cluster.typed.SingletonActor;
import akka.http.javadsl.server.Directives;
import akka.http.javadsl.server.Route;
import ates.platform.Service;
import ates.platform.ServiceContext;
import ates.platform.cluster.Leases;
import com.typesafe.config.Config;
import java.time.Clock;
import java.time.Duration;
import java.time.ZoneId;

/**
 * Analytics: an actor hierarchy fed by Kafka (Users, TransactionCreated, TaskCompleted) with its
 * offsets stored in the same transactions as its aggregates; management earnings, workers in the
 * negative, the most expensive task, daily statistics; and the money reconciliation (Admin).
 */
public final class AnalyticsService implements Service {

  public static final String NAME = "analytics";

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public Route start(ServiceContext ctx) {
    Config config = ctx.config().getConfig("ates.analytics");
    ZoneId zone = ZoneId.of(config.getString("billing-zone"));
    AnalyticsStore store = new AnalyticsStore(ctx.database());
    // ingestion keeps its offsets in kafka_offsets, not in its Kafka groups
    ctx.kafka().reportStoredOffsets(store::allStoredOffsets);
    // queries reach the guardian through the receptionist, not the singleton's proxy
    GuardianLocator guardian = GuardianLocator.start(ctx.system());
    ClusterSingleton.get(ctx.system())
        .init(
            SingletonActor.of(
                    Behaviors.supervise(
                            AnalyticsGuardian.create(
                                ctx,
                                store,
                                zone,
                                new Day.Timing(
                                    config.getDuration("day-idle-timeout"),
                                    config.getDuration("day-refresh-interval"))))
                        .onFailure(
                            SupervisorStrategy.restartWithBackoff(
                                Duration.ofSeconds(1), Duration.ofSeconds(30), 0.2)),
                    "analytics")
                .withSettings(Leases.singleton(ctx.system(), NAME)));
    Reconciler reconciler =
        Reconciler.start(
            ctx.system(),
            ctx.kafka().bootstrapServers(),
            ctx.kafka().topicPrefix(),
            store,
            zone,
            ctx.metrics(),
            config.getDuration("reconciliation.read-timeout"),
            config.getDuration("reconciliation.interval"));
    Route reconciliation = new ReconciliationRoutes(ctx.jwt(), reconciler).route();
    Route analytics =
        new AnalyticsRoutes(
                ctx.system(),
                ctx.jwt(),
                guardian,
                store,
                zone,
                Clock.systemUTC(),
                config.getInt("hot-days"),
                ctx.askTimeout())
            .route();
    return Directives.concat(analytics, reconciliation);
  }
}
