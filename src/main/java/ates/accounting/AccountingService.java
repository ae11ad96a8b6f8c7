package ates.accounting;

import akka.actor.typed.ActorSystem;
import akka.actor.typed.SupervisorStrategy;
import akka.actor.typed.javadsl.Behaviors;
import akka.cluster.sharding.typed.javadsl.ClusterSharding;
import akka.cluster.sharding.typed.javadsl.Entity;
import akka.cluster.typed.ClusterSingleton;
import akka.cluster.typed.SingletonActor;
import akka.http.javadsl.server.Route;
import ates.platform.Service;
import ates.platform.ServiceContext;
import ates.platform.cluster.Leases;
import ates.platform.db.RebuildableReadModel;
import ates.platform.kafka.EventPublisher;
import com.typesafe.config.Config;
import java.time.Clock;
import java.time.Duration;
import java.time.ZoneId;
import java.util.List;

/**
 * Accounting: one event-sourced ledger per user, fed by the task topics; the audit log, balances
 * and earnings read models; the {@code TransactionCreated} topic; the daily billing cycle with
 * payouts and payout mails.
 */
public final class AccountingService implements Service {

  public static final String NAME = "accounting";

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public List<RebuildableReadModel> readModels() {
    return List.of(AccountingReadModel.READ_MODEL, AccountingReadModel.BILLING_RUNS);
  }

  @Override
  public Route start(ServiceContext ctx) {
    ActorSystem<?> system = ctx.system();
    Config config = ctx.config().getConfig("ates.accounting");
    ZoneId zone = ZoneId.of(config.getString("billing-zone"));
    Clock clock = Clock.systemUTC();
    Duration closeTimeout = config.getDuration("close-timeout");
    AccountingReadModel readModel = new AccountingReadModel(ctx.database());
    ClusterSharding sharding = ClusterSharding.get(system);

    sharding.init(
        Entity.of(Account.ENTITY_KEY, entity -> Account.create(entity.getEntityId(), ctx.journal()))
            .withRole(NAME)
            .withSettings(Leases.sharding(system, NAME)));
    BillingDayCloser.Accounts accounts =
        BillingDayCloser.Accounts.sharded(
            sharding, readModel::billingCandidates, ctx.askTimeout(), clock);
    BillingDayCloser.Pace pace = BillingDayCloser.Pace.of(config.getInt("close-parallelism"));
    sharding.init(
        Entity.of(
                BillingDay.ENTITY_KEY,
                entity -> BillingDay.create(entity.getEntityId(), accounts, pace, ctx.journal()))
            .withRole(NAME)
            .withSettings(Leases.sharding(system, NAME)));

    readModel.startProjection(system, ctx.readJournalPluginId());
    readModel.startBillingRunsProjection(system, ctx.readJournalPluginId());
    EventPublisher.<Account.Event>start(
        system,
        NAME,
        ctx.readJournalPluginId(),
        Account.TAGS,
        ctx.database(),
        ctx.kafka(),
        ctx.metrics(),
        AccountEvents::toContract);
    AccountingConsumers.start(ctx, new Movements(zone));
    AccountingMonitor monitor = new AccountingMonitor(ctx.metrics());
    monitor.start(system, ctx.database(), zone, ctx.config().getDuration("ates.metrics-interval"));
    new PayoutMailer(ctx.database(), config.getConfig("smtp"), monitor)
        .start(system, config.getDuration("mail-interval"));

    ClusterSingleton.get(system)
        .init(
            SingletonActor.of(
                    Behaviors.supervise(
                            BillingScheduler.create(
                                zone,
                                clock,
                                config.getDuration("resume-interval"),
                                BillingScheduler.Days.sharded(
                                    sharding,
                                    closeTimeout,
                                    readModel::runningBillingDays,
                                    readModel::lastClosedBillingDay)))
                        .onFailure(
                            SupervisorStrategy.restartWithBackoff(
                                Duration.ofSeconds(1), Duration.ofMinutes(1), 0.2)),
                    "billing-scheduler")
                .withSettings(Leases.singleton(system, NAME)));

    return new AccountingRoutes(system, ctx.jwt(), readModel, zone, clock, closeTimeout).route();
  }
}
