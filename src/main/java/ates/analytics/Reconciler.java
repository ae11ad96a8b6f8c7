package ates.analytics;

import akka.Done;
import akka.actor.CoordinatedShutdown;
import akka.actor.typed.ActorSystem;
import akka.actor.typed.DispatcherSelector;
import ates.platform.Metrics;
import ates.platform.Periodic;
import java.time.Clock;
import java.time.Duration;
import java.time.LocalDate;
import java.time.ZoneId;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs the money reconciliation on an analytics node: the topics through its own {@link
 * ReconciliationReader} (on the blocking dispatcher), analytics' figures from its own database,
 * then {@link Reconciliation#compare}. Every run sets {@code ates_reconciliation_mismatches}; with
 * a non-zero {@code interval} the node also checks yesterday and today periodically (the gauge is
 * then the sum of both), so the alert fires without anyone asking.
 */
final class Reconciler {

  private static final Logger log = LoggerFactory.getLogger(Reconciler.class);

  private final ReconciliationReader reader;
  private final AnalyticsStore store;
  private final ZoneId zone;
  private final Clock clock;
  private final Metrics metrics;
  private final Executor blocking;
  private final AtomicBoolean periodicRunning = new AtomicBoolean();

  Reconciler(
      ReconciliationReader reader,
      AnalyticsStore store,
      ZoneId zone,
      Clock clock,
      Metrics metrics,
      Executor blocking) {
    this.reader = reader;
    this.store = store;
    this.zone = zone;
    this.clock = clock;
    this.metrics = metrics;
    this.blocking = blocking;
  }

  /** Starts the node's reconciler, and its periodic check unless {@code interval} is zero. */
  static Reconciler start(
      ActorSystem<?> system,
      String bootstrapServers,
      String topicPrefix,
      AnalyticsStore store,
      ZoneId zone,
      Metrics metrics,
      Duration readTimeout,
      Duration interval) {
    ReconciliationReader reader =
        new ReconciliationReader(bootstrapServers, topicPrefix, readTimeout);
    Reconciler reconciler =
        new Reconciler(
            reader,
            store,
            zone,
            Clock.systemUTC(),
            metrics,
            system.dispatchers().lookup(DispatcherSelector.blocking()));
    if (!interval.isZero()) {
      Periodic.every(system, "reconciliation", interval, reconciler::checkRecentDays);
    }
    CoordinatedShutdown.get(system)
        .addTask(
            CoordinatedShutdown.PhaseServiceStop(),
            "close-reconciliation-reader",
            () ->
                CompletableFuture.supplyAsync(
                    () -> {
                      reader.close();
                      return Done.getInstance();
                    }));
    return reconciler;
  }

  LocalDate today() {
    return LocalDate.now(clock.withZone(zone));
  }

  /** The reconciliation of {@code date}; the gauge shows its mismatches. */
  CompletionStage<Reconciliation.Report> run(LocalDate date) {
    return report(date)
        .thenApply(
            r -> {
              metrics.reconciliationMismatches(r.mismatches().size());
              return r;
            });
  }

  private CompletionStage<Reconciliation.Report> report(LocalDate date) {
    return CompletableFuture.supplyAsync(
            () -> {
              try {
                return reader.read(date, zone);
              } catch (ReconciliationReader.Unavailable e) {
                throw new CompletionException(e);
              }
            },
            blocking)
        .thenCompose(
            tally ->
                store.accountDay(date).thenApply(figures -> Reconciliation.compare(tally, figures)))
        .thenApply(
            r -> {
              if (r.ok()) log.debug(Reconciliation.summary(r));
              else log.warn("{}: {}", Reconciliation.summary(r), r.mismatches());
              return r;
            });
  }

  /** Yesterday (late movements, payouts after midnight) and today; one run at a time. */
  private void checkRecentDays() {
    if (!periodicRunning.compareAndSet(false, true)) return;
    LocalDate today = today();
    report(today.minusDays(1))
        .thenCombine(report(today), (a, b) -> a.mismatches().size() + b.mismatches().size())
        .whenComplete(
            (mismatches, failure) -> {
              periodicRunning.set(false);
              if (failure != null) {
                log.warn("Periodic reconciliation failed: {}", failure.toString());
              } else {
                metrics.reconciliationMismatches(mismatches);
              }
            });
  }
}
