package ates.accounting;

import akka.actor.typed.ActorSystem;
import akka.pattern.CircuitBreakerOpenException;
import ates.platform.db.ServiceDatabase;
import ates.platform.resilience.Breaker;
import ates.platform.resilience.Breakers;
import com.typesafe.config.Config;
import jakarta.mail.Message;
import jakarta.mail.MessagingException;
import jakarta.mail.PasswordAuthentication;
import jakarta.mail.Session;
import jakarta.mail.Transport;
import jakarta.mail.internet.InternetAddress;
import jakarta.mail.internet.MimeMessage;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.util.Properties;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Delivers the payout mails of the {@code mail_outbox} table (written with the payout, once it is
 * durable) through SMTP with Jakarta Mail. Rows are claimed with {@code FOR UPDATE SKIP LOCKED}, so
 * two nodes never send the same mail, and each mail is sent and marked in a transaction of its own:
 * a crash between sending and marking can repeat that one mail (its Message-ID is derived from the
 * payout, so mail clients can drop the copy). A mail that cannot be sent yet backs off. Without an
 * SMTP host, mails are kept in the outbox (status {@code kept}) and logged.
 */
final class PayoutMailer {

  private static final Logger log = LoggerFactory.getLogger(PayoutMailer.class);
  private static final int BATCH = 20;

  private final ServiceDatabase database;
  private final Session session;
  private final String from;
  private volatile Breaker breaker;
  private final AccountingMonitor monitor;

  PayoutMailer(ServiceDatabase database, Config smtp, AccountingMonitor monitor) {
    this.database = database;
    this.monitor = monitor;
    this.from = smtp.getString("from");
    String host = smtp.getString("host");
    if (host.isBlank()) {
      this.session = null;
    } else {
      Properties props = new Properties();
      props.put("mail.smtp.host", host);
      props.put("mail.smtp.port", Integer.toString(smtp.getInt("port")));
      props.put("mail.smtp.starttls.enable", Boolean.toString(smtp.getBoolean("starttls")));
      props.put("mail.smtp.connectiontimeout", "10000");
      props.put("mail.smtp.timeout", "10000");
      String user = smtp.getString("user");
      if (!user.isBlank()) {
        props.put("mail.smtp.auth", "true");
        String password = smtp.getString("password");
        this.session =
            Session.getInstance(
                props,
                new jakarta.mail.Authenticator() {
                  @Override
                  protected PasswordAuthentication getPasswordAuthentication() {
                    return new PasswordAuthentication(user, password);
                  }
                });
      } else {
        this.session = Session.getInstance(props);
      }
    }
  }

  /**
   * Delivers due mails on a thread of its own (SMTP may be slow or down: it never holds the
   * projections' threads), one mail per transaction, and schedules the next round only when this
   * one is done, so rounds never overlap.
   */
  void start(ActorSystem<?> system, Duration interval) {
    this.breaker = Breakers.get(system).smtp();
    java.util.concurrent.ExecutorService executor =
        java.util.concurrent.Executors.newSingleThreadExecutor(
            r -> {
              Thread t = new Thread(r, "ates-payout-mailer");
              t.setDaemon(true);
              return t;
            });
    java.util.concurrent.atomic.AtomicBoolean running =
        new java.util.concurrent.atomic.AtomicBoolean(true);
    akka.actor.CoordinatedShutdown.get(system)
        .addTask(
            akka.actor.CoordinatedShutdown.PhaseServiceStop(),
            "stop-payout-mailer",
            () -> {
              running.set(false);
              executor.shutdown();
              return java.util.concurrent.CompletableFuture.completedFuture(
                  akka.Done.getInstance());
            });
    Runnable[] round = new Runnable[1];
    round[0] =
        () -> {
          if (!running.get()) return;
          database
              .query(executor, c -> deliverDue(c, running))
              .whenComplete(
                  (sent, failure) -> {
                    if (failure != null)
                      log.warn("Payout mail delivery failed, will retry: {}", failure.getMessage());
                    if (running.get())
                      system
                          .scheduler()
                          .scheduleOnce(interval, round[0], system.executionContext());
                  });
        };
    system.scheduler().scheduleOnce(interval, round[0], system.executionContext());
  }

  private record Pending(
      String transactionId,
      UUID accountId,
      String recipient,
      String subject,
      String body,
      int attempts) {}

  /** Up to {@value #BATCH} due mails, each claimed, sent and marked in a transaction of its own. */
  private int deliverDue(java.sql.Connection c, java.util.concurrent.atomic.AtomicBoolean running)
      throws java.sql.SQLException {
    int done = 0;
    for (int i = 0; i < BATCH && running.get(); i++) {
      c.setAutoCommit(false);
      try {
        Pending p = claimNext(c);
        if (p == null) {
          c.commit();
          break;
        }
        deliver(c, p);
        c.commit();
        done++;
      } catch (CircuitBreakerOpenException e) {
        // SMTP is failing: the mail stays due, without an attempt counted; next round probes
        c.rollback();
        break;
      } catch (java.sql.SQLException | RuntimeException e) {
        c.rollback();
        throw e;
      } finally {
        c.setAutoCommit(true);
      }
    }
    return done;
  }

  private static Pending claimNext(java.sql.Connection c) throws java.sql.SQLException {
    try (PreparedStatement ps =
        c.prepareStatement(
            "SELECT o.transaction_id, o.account_id, u.email, o.subject, o.body, o.attempts FROM mail_outbox o"
                + " LEFT JOIN known_users u ON u.user_id = o.account_id"
                + " WHERE o.status = 'pending' AND o.next_attempt_at <= now()"
                + " ORDER BY o.next_attempt_at LIMIT 1 FOR UPDATE OF o SKIP LOCKED")) {
      try (ResultSet rs = ps.executeQuery()) {
        if (!rs.next()) return null;
        return new Pending(
            rs.getString("transaction_id"),
            rs.getObject("account_id", UUID.class),
            rs.getString("email"),
            rs.getString("subject"),
            rs.getString("body"),
            rs.getInt("attempts"));
      }
    }
  }

  private void deliver(java.sql.Connection c, Pending p) throws java.sql.SQLException {
    if (p.recipient() == null) {
      // the Users event may not have arrived yet: try again later
      retryLater(c, p);
      return;
    }
    if (session == null) {
      log.info(
          "Payout mail kept in the outbox (no SMTP configured): account {}, '{}'",
          p.accountId(),
          p.subject());
      mark(c, p, "kept", null);
      return;
    }
    try {
      sendThroughBreaker(p);
      mark(c, p, "sent", Instant.now());
      monitor.mailSent();
      log.info("Payout mail sent: account {}, '{}'", p.accountId(), p.subject());
    } catch (MessagingException e) {
      monitor.mailFailed();
      log.warn(
          "Payout mail to account {} not sent (attempt {}), will retry: {}",
          p.accountId(),
          p.attempts() + 1,
          e.getMessage());
      retryLater(c, p);
    }
  }

  /** Backs off 2^attempts seconds, at most an hour. */
  private static void retryLater(java.sql.Connection c, Pending p) throws java.sql.SQLException {
    long delay = Math.min(3600, 1L << Math.min(p.attempts(), 12));
    try (PreparedStatement ps =
        c.prepareStatement(
            "UPDATE mail_outbox SET attempts = attempts + 1, next_attempt_at = now() + ? * interval '1 second'"
                + " WHERE transaction_id = ?")) {
      ps.setLong(1, delay);
      ps.setString(2, p.transactionId());
      ps.executeUpdate();
    }
  }

  /**
   * Sends through the SMTP breaker. While it is open, {@link CircuitBreakerOpenException} ends the
   * round: the claim is rolled back and the mail stays due, without counting an attempt.
   */
  private void sendThroughBreaker(Pending p) throws MessagingException {
    if (breaker == null) {
      send(p);
      return;
    }
    try {
      breaker.callSync(
          () -> {
            send(p);
            return null;
          });
    } catch (Exception e) {
      // callSync rethrows the call's own exceptions unchanged: send throws no other checked one
      if (e instanceof MessagingException m) throw m;
      if (e instanceof RuntimeException r) throw r;
      throw new IllegalStateException(e);
    }
  }

  private void send(Pending p) throws MessagingException {
    String messageId = "<" + p.transactionId().replace(':', '.') + "@ates>";
    MimeMessage message =
        new MimeMessage(session) {
          @Override
          protected void updateMessageID() throws MessagingException {
            setHeader("Message-ID", messageId);
          }
        };
    message.setFrom(new InternetAddress(from));
    message.setRecipients(Message.RecipientType.TO, InternetAddress.parse(p.recipient()));
    message.setSubject(p.subject(), "UTF-8");
    message.setText(p.body(), "UTF-8");
    Transport.send(message);
  }

  private static void mark(java.sql.Connection c, Pending p, String status, Instant sentAt)
      throws java.sql.SQLException {
    try (PreparedStatement ps =
        c.prepareStatement(
            "UPDATE mail_outbox SET status = ?, sent_at = ?, attempts = attempts + 1 WHERE transaction_id = ?")) {
      ps.setString(1, status);
      ps.setTimestamp(2, sentAt == null ? null : Timestamp.from(sentAt));
      ps.setString(3, p.transactionId());
      ps.executeUpdate();
    }
  }
}
