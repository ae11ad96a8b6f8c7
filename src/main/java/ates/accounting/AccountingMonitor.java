package ates.accounting;

import akka.actor.typed.ActorSystem;
import ates.platform.Metrics;
import ates.platform.Periodic;
import ates.platform.db.ServiceDatabase;
import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.Gauge;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.time.ZoneId;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Accounting's figures on {@code /metrics}, read from its own database every {@code
 * ates.metrics-interval}: the last closed billing day ({@code billing_runs}) and the payout mail
 * outbox. Counts mail failures as they happen ({@link #mailFailed}). Every accounting node samples
 * the same database, so the series agree across nodes: alert on their maximum.
 */
final class AccountingMonitor {

  private static final Logger log = LoggerFactory.getLogger(AccountingMonitor.class);

  private final Gauge lastClosedDay;
  private final Gauge outboxPending;
  private final Gauge outboxOldestPending;
  private final Counter mailFailures;
  private final Counter mailSent;

  AccountingMonitor(Metrics metrics) {
    var registry = metrics.registry();
    lastClosedDay =
        Gauge.builder()
            .name("ates_billing_last_closed_day_seconds")
            .help(
                "End of the last closed billing day (its midnight in the billing zone), in Unix"
                    + " seconds; absent until a day has closed")
            .register(registry);
    outboxPending =
        Gauge.builder()
            .name("ates_mail_outbox_pending")
            .help("Payout mails in the outbox not sent yet (status pending)")
            .register(registry);
    outboxOldestPending =
        Gauge.builder()
            .name("ates_mail_outbox_oldest_pending_age_seconds")
            .help("Age of the oldest payout mail not sent yet (0 when none is pending)")
            .register(registry);
    mailFailures =
        Counter.builder()
            .name("ates_mail_failures_total")
            .help(
                "Payout mails this node failed to hand to the SMTP server (each retried later;"
                    + " attempts refused by the open smtp breaker are not counted)")
            .register(registry);
    mailSent =
        Counter.builder()
            .name("ates_mail_sent_total")
            .help("Payout mails this node handed to the SMTP server")
            .register(registry);
  }

  void mailFailed() {
    mailFailures.inc();
  }

  void mailSent() {
    mailSent.inc();
  }

  /** Samples the database every {@code interval}, until the node stops serving. */
  void start(ActorSystem<?> system, ServiceDatabase database, ZoneId zone, Duration interval) {
    Periodic.every(system, "accounting-monitor", interval, () -> sample(database, zone));
  }

  private void sample(ServiceDatabase database, ZoneId zone) {
    database
        .query(
            c -> {
              AccountingReadModel.lastClosedBillingDay(c)
                  .ifPresent(
                      day -> lastClosedDay.set(day.plusDays(1).atStartOfDay(zone).toEpochSecond()));
              try (PreparedStatement ps =
                      c.prepareStatement(
                          "SELECT count(*),"
                              + " COALESCE(EXTRACT(EPOCH FROM now() - min(created_at)), 0)"
                              + " FROM mail_outbox WHERE status = 'pending'");
                  ResultSet rs = ps.executeQuery()) {
                rs.next();
                outboxPending.set(rs.getLong(1));
                outboxOldestPending.set(rs.getDouble(2));
              }
              return null;
            })
        .whenComplete(
            (done, failure) -> {
              if (failure != null) log.debug("Accounting figures unknown: {}", failure.toString());
            });
  }
}
