package ates.accounting;

import akka.actor.typed.ActorSystem;
import ates.platform.db.ServiceDatabase;
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
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Delivers the payout mails of the {@code mail_outbox} table (written with the payout, once it is
 * durable) through SMTP with Jakarta Mail. Rows are claimed with {@code FOR UPDATE SKIP LOCKED}, so
 * two nodes never send the same mail; a crash between sending and marking a row sent can repeat
 * that one mail (its Message-ID is derived from the payout, so mail clients can drop the copy).
 * Without an SMTP host, mails are kept in the outbox (status {@code kept}) and logged.
 */
final class PayoutMailer {

  private static final Logger log = LoggerFactory.getLogger(PayoutMailer.class);
  private static final int BATCH = 20;

  private final ServiceDatabase database;
  private final Session session;
  private final String from;

  PayoutMailer(ServiceDatabase database, Config smtp) {
    this.database = database;
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

  void start(ActorSystem<?> system, Duration interval) {
    ates.platform.Periodic.every(
        system,
        "payout-mailer",
        interval,
        () ->
                database
                    .query(
                        c -> {
                          deliverBatch(c);
                          return null;
                        })
                    .exceptionally(
                        e -> {
                          log.warn("Payout mail delivery failed, will retry: {}", e.getMessage());
                          return null;
                        }));
  }

  private record Pending(String transactionId, UUID accountId, String recipient, String subject, String body) {}

  private void deliverBatch(java.sql.Connection c) throws java.sql.SQLException {
    c.setAutoCommit(false);
    try {
      List<Pending> batch = new ArrayList<>();
      try (PreparedStatement ps =
          c.prepareStatement(
              "SELECT o.transaction_id, o.account_id, u.email, o.subject, o.body FROM mail_outbox o"
                  + " LEFT JOIN known_users u ON u.user_id = o.account_id"
                  + " WHERE o.status = 'pending' ORDER BY o.created_at LIMIT ? FOR UPDATE OF o SKIP LOCKED")) {
        ps.setInt(1, BATCH);
        try (ResultSet rs = ps.executeQuery()) {
          while (rs.next()) {
            batch.add(new Pending(rs.getString(1), rs.getObject(2, UUID.class), rs.getString(3), rs.getString(4), rs.getString(5)));
          }
        }
      }
      for (Pending p : batch) {
        if (p.recipient() == null) {
          // the Users event may not have arrived yet: try again later
          mark(c, p, "pending", null);
          continue;
        }
        if (session == null) {
          log.info("Payout mail kept in the outbox (no SMTP configured): account {}, '{}'", p.accountId(), p.subject());
          mark(c, p, "kept", null);
          continue;
        }
        try {
          send(p);
          mark(c, p, "sent", Instant.now());
          log.info("Payout mail sent: account {}, '{}'", p.accountId(), p.subject());
        } catch (MessagingException e) {
          log.warn("Payout mail to account {} not sent, will retry: {}", p.accountId(), e.getMessage());
          mark(c, p, "pending", null);
        }
      }
      c.commit();
    } catch (java.sql.SQLException | RuntimeException e) {
      c.rollback();
      throw e;
    } finally {
      c.setAutoCommit(true);
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
