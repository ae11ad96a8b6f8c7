package ates.accounting;

import akka.actor.typed.ActorSystem;
import ates.contract.Direction;
import ates.contract.TransactionType;
import ates.platform.db.ReadModelProjection;
import ates.platform.db.RebuildableReadModel;
import ates.platform.db.ServiceDatabase;
import java.sql.Connection;
import java.sql.Date;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Instant;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletionStage;

/**
 * The accounting read models, kept by one exactly-once grouped projection per tag (rows and offset
 * in one transaction): the audit log ({@code transactions}), {@code balances}, management earnings
 * per day ({@code daily_earnings}, additive updates, counted only when the transaction row is new)
 * and the payout {@code mail_outbox}.
 */
public final class AccountingReadModel {

  /**
   * The audit log, balances and earnings, rebuilt from the ledgers' journal alone. The {@code
   * mail_outbox} is not emptied: it records which payout mails were sent, and the projection only
   * adds the missing ones (so no mail goes out twice).
   */
  static final RebuildableReadModel READ_MODEL =
      new RebuildableReadModel(
          "accounting-read-model", List.of("transactions", "balances", "daily_earnings"));

  /** The {@code billing_runs} table, rebuilt from the billing days' journal alone. */
  static final RebuildableReadModel BILLING_RUNS =
      new RebuildableReadModel("billing-runs", List.of("billing_runs"));

  private final ServiceDatabase database;

  AccountingReadModel(ServiceDatabase database) {
    this.database = database;
  }

  void startProjection(ActorSystem<?> system, String readJournalPluginId) {
    ReadModelProjection.<Account.Event>start(
        system,
        READ_MODEL.projection(),
        Account.TAGS.all(),
        readJournalPluginId,
        database,
        AccountingService.NAME,
        (c, envelope) -> {
          if (envelope.event() instanceof Account.Moved moved)
            apply(c, moved, envelope.sequenceNr());
        });
  }

  static void apply(Connection c, Account.Moved moved, long seq) throws SQLException {
    Account.Movement m = moved.movement();
    int inserted;
    try (PreparedStatement ps =
        c.prepareStatement(
            "INSERT INTO transactions (transaction_id, account_id, seq, type, direction, amount,"
                + " balance_after, task_id, description, billing_date, created_at)"
                + " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (transaction_id) DO NOTHING")) {
      ps.setString(1, m.transactionId());
      ps.setObject(2, moved.accountId());
      ps.setLong(3, seq);
      ps.setString(4, m.type().wireName());
      ps.setString(5, m.direction().wireName());
      ps.setLong(6, m.amount());
      ps.setLong(7, moved.balanceAfter());
      ps.setObject(8, m.taskId());
      ps.setString(9, m.description());
      ps.setDate(10, Date.valueOf(m.billingDate()));
      ps.setTimestamp(11, Timestamp.from(m.createdAt()));
      inserted = ps.executeUpdate();
    }
    if (inserted == 0) return;
    try (PreparedStatement ps =
        c.prepareStatement(
            "INSERT INTO balances (account_id, balance, seq) VALUES (?, ?, ?)"
                + " ON CONFLICT (account_id) DO UPDATE SET balance = EXCLUDED.balance, seq = EXCLUDED.seq"
                + " WHERE balances.seq < EXCLUDED.seq")) {
      ps.setObject(1, moved.accountId());
      ps.setLong(2, moved.balanceAfter());
      ps.setLong(3, seq);
      ps.executeUpdate();
    }
    if (m.type() != TransactionType.PAYOUT) {
      boolean fee = m.type() == TransactionType.ASSIGNMENT_FEE;
      try (PreparedStatement ps =
          c.prepareStatement(
              "INSERT INTO daily_earnings (billing_date, fees, rewards) VALUES (?, ?, ?)"
                  + " ON CONFLICT (billing_date) DO UPDATE SET fees = daily_earnings.fees + EXCLUDED.fees,"
                  + " rewards = daily_earnings.rewards + EXCLUDED.rewards")) {
        ps.setDate(1, Date.valueOf(m.billingDate()));
        ps.setLong(2, fee ? m.amount() : 0);
        ps.setLong(3, fee ? 0 : m.amount());
        ps.executeUpdate();
      }
    } else {
      try (PreparedStatement ps =
          c.prepareStatement(
              "INSERT INTO mail_outbox (transaction_id, account_id, subject, body, status, created_at)"
                  + " VALUES (?, ?, ?, ?, 'pending', ?) ON CONFLICT (transaction_id) DO NOTHING")) {
        ps.setString(1, m.transactionId());
        ps.setObject(2, moved.accountId());
        ps.setString(3, "aTES payout for " + m.billingDate());
        ps.setString(
            4,
            String.format(
                Locale.ROOT,
                "Hello,%n%nyour aTES earnings for %s have been paid out: %s.%n%nThe aTES accounting team%n",
                m.billingDate(),
                Money.format(m.amount())));
        ps.setTimestamp(5, Timestamp.from(m.createdAt()));
        ps.executeUpdate();
      }
    }
  }

  /** The {@code billing_runs} table: one exactly-once projection of every billing-day event. */
  void startBillingRunsProjection(ActorSystem<?> system, String readJournalPluginId) {
    ReadModelProjection.<BillingDay.Event>start(
        system,
        BILLING_RUNS.projection(),
        BillingDay.TAGS.all(),
        readJournalPluginId,
        database,
        AccountingService.NAME,
        (c, envelope) -> applyBillingRun(c, envelope.event(), new Timestamp(envelope.timestamp())));
  }

  static void applyBillingRun(Connection c, BillingDay.Event event, Timestamp at)
      throws SQLException {
    if (event instanceof BillingDay.Started s) {
      try (PreparedStatement ps =
          c.prepareStatement(
              "INSERT INTO billing_runs (billing_date, status, accounts, started_at) VALUES (?, 'running', ?, ?)"
                  + " ON CONFLICT (billing_date) DO NOTHING")) {
        ps.setDate(1, Date.valueOf(s.date()));
        ps.setInt(2, s.accounts().size());
        ps.setTimestamp(3, at);
        ps.executeUpdate();
      }
    } else if (event instanceof BillingDay.AccountSettled s) {
      try (PreparedStatement ps =
          c.prepareStatement(
              "UPDATE billing_runs SET settled = settled + 1 WHERE billing_date = ?")) {
        ps.setDate(1, Date.valueOf(s.date()));
        ps.executeUpdate();
      }
    } else if (event instanceof BillingDay.Finished f) {
      try (PreparedStatement ps =
          c.prepareStatement(
              "UPDATE billing_runs SET status = 'closed', finished_at = ? WHERE billing_date = ?")) {
        ps.setTimestamp(1, at);
        ps.setDate(2, Date.valueOf(f.date()));
        ps.executeUpdate();
      }
    }
  }

  /** Billing days whose close started and has not finished. */
  CompletionStage<List<LocalDate>> runningBillingDays() {
    return database.query(
        c -> {
          List<LocalDate> days = new ArrayList<>();
          try (PreparedStatement ps =
                  c.prepareStatement(
                      "SELECT billing_date FROM billing_runs WHERE status = 'running' ORDER BY 1");
              ResultSet rs = ps.executeQuery()) {
            while (rs.next()) days.add(rs.getDate("billing_date").toLocalDate());
          }
          return days;
        });
  }

  /** The newest closed billing day; empty when none was ever closed. */
  CompletionStage<Optional<LocalDate>> lastClosedBillingDay() {
    return database.query(AccountingReadModel::lastClosedBillingDay);
  }

  /** The last billing day closed, on a connection of the accounting database; empty: none yet. */
  static Optional<LocalDate> lastClosedBillingDay(Connection c) throws SQLException {
    try (PreparedStatement ps =
            c.prepareStatement(
                "SELECT max(billing_date) AS day FROM billing_runs WHERE status = 'closed'");
        ResultSet rs = ps.executeQuery()) {
      rs.next();
      java.sql.Date day = rs.getDate("day");
      return Optional.ofNullable(day).map(java.sql.Date::toLocalDate);
    }
  }

  // --- queries --------------------------------------------------------------------------------

  record TransactionRow(
      String transactionId,
      TransactionType type,
      Direction direction,
      long amount,
      long balanceAfter,
      UUID taskId,
      String description,
      LocalDate billingDate,
      Instant createdAt) {}

  record AccountView(UUID userId, long balance, List<TransactionRow> transactions) {}

  /** The account's balance and its movements, newest first; empty when the user is unknown. */
  CompletionStage<Optional<AccountView>> account(
      UUID accountId, int limit, Optional<Instant> before) {
    return database.query(
        c -> {
          Long balance = null;
          try (PreparedStatement ps =
              c.prepareStatement("SELECT balance FROM balances WHERE account_id = ?")) {
            ps.setObject(1, accountId);
            try (ResultSet rs = ps.executeQuery()) {
              if (rs.next()) balance = rs.getLong("balance");
            }
          }
          if (balance == null) {
            try (PreparedStatement ps =
                c.prepareStatement("SELECT 1 FROM known_users WHERE user_id = ?")) {
              ps.setObject(1, accountId);
              try (ResultSet rs = ps.executeQuery()) {
                if (!rs.next()) return Optional.empty();
              }
            }
            balance = 0L;
          }
          List<TransactionRow> rows = new ArrayList<>();
          try (PreparedStatement ps =
              c.prepareStatement(
                  "SELECT transaction_id, type, direction, amount, balance_after, task_id, description,"
                      + " billing_date, created_at FROM transactions WHERE account_id = ?"
                      + (before.isPresent() ? " AND created_at < ?" : "")
                      + " ORDER BY created_at DESC, seq DESC LIMIT ?")) {
            int i = 1;
            ps.setObject(i++, accountId);
            if (before.isPresent()) ps.setTimestamp(i++, Timestamp.from(before.get()));
            ps.setInt(i, limit);
            try (ResultSet rs = ps.executeQuery()) {
              while (rs.next()) {
                rows.add(
                    new TransactionRow(
                        rs.getString("transaction_id"),
                        TransactionType.fromWire(rs.getString("type")),
                        Direction.fromWire(rs.getString("direction")),
                        rs.getLong("amount"),
                        rs.getLong("balance_after"),
                        rs.getObject("task_id", UUID.class),
                        rs.getString("description"),
                        rs.getDate("billing_date").toLocalDate(),
                        rs.getTimestamp("created_at").toInstant()));
              }
            }
          }
          return Optional.of(new AccountView(accountId, balance, rows));
        });
  }

  /**
   * Management earnings (fees − rewards) of every day from {@code from} to {@code to}, 0 for quiet
   * days.
   */
  CompletionStage<Map<LocalDate, Long>> earnings(LocalDate from, LocalDate to) {
    return database.query(
        c -> {
          Map<LocalDate, Long> days = new LinkedHashMap<>();
          for (LocalDate d = from; !d.isAfter(to); d = d.plusDays(1)) days.put(d, 0L);
          try (PreparedStatement ps =
              c.prepareStatement(
                  "SELECT billing_date, fees - rewards AS earnings FROM daily_earnings"
                      + " WHERE billing_date BETWEEN ? AND ?")) {
            ps.setDate(1, Date.valueOf(from));
            ps.setDate(2, Date.valueOf(to));
            try (ResultSet rs = ps.executeQuery()) {
              while (rs.next()) {
                days.put(rs.getDate("billing_date").toLocalDate(), rs.getLong("earnings"));
              }
            }
          }
          return days;
        });
  }

  /** An account in the list of accounts: its holder as accounting knows them, and its balance. */
  record AccountSummary(UUID userId, String login, String fullName, String role, long balance) {}

  /**
   * Every account that may hold money (every known worker, and every account with a movement), by
   * login; an account whose holder accounting has not heard of yet has a null login.
   */
  CompletionStage<List<AccountSummary>> accounts() {
    return database.query(
        c -> {
          List<AccountSummary> accounts = new ArrayList<>();
          try (PreparedStatement ps =
                  c.prepareStatement(
                      "SELECT COALESCE(u.user_id, b.account_id) AS account_id, u.login,"
                          + " u.full_name, u.role, COALESCE(b.balance, 0) AS balance"
                          + " FROM (SELECT * FROM known_users WHERE role = 'worker') u"
                          + " FULL JOIN balances b ON b.account_id = u.user_id"
                          + " ORDER BY u.login NULLS LAST, account_id");
              ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
              accounts.add(
                  new AccountSummary(
                      rs.getObject("account_id", UUID.class),
                      rs.getString("login"),
                      rs.getString("full_name"),
                      rs.getString("role"),
                      rs.getLong("balance")));
            }
          }
          return accounts;
        });
  }

  /** Every account that may hold money: all with a movement, and every known worker. */
  CompletionStage<List<UUID>> billingCandidates() {
    return database.query(
        c -> {
          List<UUID> ids = new ArrayList<>();
          try (PreparedStatement ps =
                  c.prepareStatement(
                      "SELECT account_id FROM balances"
                          + " UNION SELECT user_id FROM known_users WHERE role = 'worker'"
                          + " ORDER BY account_id");
              ResultSet rs = ps.executeQuery()) {
            while (rs.next()) ids.add(rs.getObject("account_id", UUID.class));
          }
          return ids;
        });
  }
}
