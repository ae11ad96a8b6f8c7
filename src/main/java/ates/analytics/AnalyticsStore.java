package ates.analytics;

import ates.contract.EventEnvelope;
import ates.contract.TransactionType;
import ates.contract.events.TaskCompletedV1;
import ates.contract.events.TransactionCreatedV1;
import ates.platform.db.ServiceDatabase;
import ates.platform.db.UsersReplica;
import ates.platform.kafka.KafkaPlatform;
import java.sql.Connection;
import java.sql.Date;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletionStage;

/**
 * The analytics database: every batch of a partition's records is applied in one transaction
 * together with the Kafka offset after it, so a crash or a redelivery never counts an event twice
 * or drops one; records repeated under other offsets (a republished event) are recognised by their
 * business id.
 */
final class AnalyticsStore {

  /** Key of a partition's offset in maps: {@code topic#partition}. */
  static String partitionKey(String topic, int partition) {
    return topic + "#" + partition;
  }

  private final ServiceDatabase database;

  AnalyticsStore(ServiceDatabase database) {
    this.database = database;
  }

  // --- ingestion (each call one transaction with its offset) ----------------------------------

  /** A record as analytics applies it. */
  sealed interface Ingested {}

  /** A {@code TransactionCreated}. */
  record Transaction(TransactionCreatedV1 event) implements Ingested {}

  /** A {@code TaskCompleted}, on the day of its completion in analytics' time zone. */
  record Completion(TaskCompletedV1 event, LocalDate day) implements Ingested {}

  /** A {@code Users} event. */
  record User(EventEnvelope envelope) implements Ingested {}

  /** A record analytics has no use for: only its offset moves. */
  record Ignored() implements Ingested {}

  /**
   * Applies one partition's records in order and stores the offset after {@code lastOffset}, in one
   * transaction. For each record, true when it changed anything (false: seen before, under this or
   * another offset, or ignored).
   */
  CompletionStage<List<Boolean>> apply(
      String consumer, String topic, int partition, long lastOffset, List<Ingested> records) {
    return inTransaction(
        consumer,
        topic,
        partition,
        lastOffset,
        c -> {
          List<Boolean> changed = new ArrayList<>(records.size());
          for (Ingested r : records) {
            if (r instanceof Transaction t) changed.add(transaction(c, t.event()));
            else if (r instanceof Completion done)
              changed.add(completion(c, done.event(), done.day()));
            else if (r instanceof User u) changed.add(UsersReplica.apply(c, u.envelope()));
            else changed.add(false);
          }
          return changed;
        });
  }

  /** Only moves the offset on: a record that went to the dead-letter topic. */
  CompletionStage<List<Boolean>> skip(String consumer, String topic, int partition, long offset) {
    return inTransaction(consumer, topic, partition, offset, c -> List.of());
  }

  private static boolean transaction(Connection c, TransactionCreatedV1 e) throws SQLException {
    if (!insertIgnoringDuplicates(
        c,
        "INSERT INTO counted_transactions (transaction_id) VALUES (?) ON CONFLICT DO NOTHING",
        e.transactionId())) {
      return false;
    }
    Day.FiguresDelta figures = Day.FiguresDelta.ofTransaction(e);
    if (figures != null) addToDay(c, e.billingDate(), figures.fees(), figures.rewards(), 0, 0);
    try (PreparedStatement ps =
        c.prepareStatement(
            "INSERT INTO day_nets (account_id, billing_date, net, fees, rewards, payouts)"
                + " VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (account_id, billing_date) DO UPDATE"
                + " SET net = day_nets.net + EXCLUDED.net, fees = day_nets.fees + EXCLUDED.fees,"
                + " rewards = day_nets.rewards + EXCLUDED.rewards,"
                + " payouts = day_nets.payouts + EXCLUDED.payouts")) {
      ps.setObject(1, e.accountId());
      ps.setDate(2, Date.valueOf(e.billingDate()));
      ps.setLong(3, e.direction().signed(e.amount()));
      ps.setLong(4, e.type() == TransactionType.ASSIGNMENT_FEE ? e.amount() : 0);
      ps.setLong(5, e.type() == TransactionType.COMPLETION_REWARD ? e.amount() : 0);
      ps.setLong(6, e.type() == TransactionType.PAYOUT ? e.amount() : 0);
      ps.executeUpdate();
    }
    return true;
  }

  private static boolean completion(Connection c, TaskCompletedV1 e, LocalDate day)
      throws SQLException {
    int inserted;
    try (PreparedStatement ps =
        c.prepareStatement(
            "INSERT INTO completed_tasks (task_id, title, jira_id, completion_reward, completed_at, billing_date)"
                + " VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (task_id) DO NOTHING")) {
      ps.setObject(1, e.taskId());
      ps.setString(2, e.title());
      ps.setString(3, e.jiraId());
      ps.setLong(4, e.completionReward());
      ps.setTimestamp(5, Timestamp.from(e.completedAt()));
      ps.setDate(6, Date.valueOf(day));
      inserted = ps.executeUpdate();
    }
    if (inserted == 0) return false;
    addToDay(c, day, 0, 0, 1, e.completionReward());
    return true;
  }

  private interface Work<R> {
    R apply(Connection c) throws SQLException;
  }

  private <R> CompletionStage<R> inTransaction(
      String consumer, String topic, int partition, long offset, Work<R> work) {
    return database.query(
        c -> {
          c.setAutoCommit(false);
          try {
            R changed = work.apply(c);
            try (PreparedStatement ps =
                c.prepareStatement(
                    "INSERT INTO kafka_offsets (consumer, topic, partition, next_offset) VALUES (?, ?, ?, ?)"
                        + " ON CONFLICT (consumer, topic, partition) DO UPDATE SET next_offset = EXCLUDED.next_offset")) {
              ps.setString(1, consumer);
              ps.setString(2, topic);
              ps.setInt(3, partition);
              ps.setLong(4, offset + 1);
              ps.executeUpdate();
            }
            c.commit();
            return changed;
          } catch (SQLException | RuntimeException ex) {
            c.rollback();
            throw ex;
          } finally {
            c.setAutoCommit(true);
          }
        });
  }

  private static boolean insertIgnoringDuplicates(Connection c, String sql, String key)
      throws SQLException {
    try (PreparedStatement ps = c.prepareStatement(sql)) {
      ps.setString(1, key);
      return ps.executeUpdate() > 0;
    }
  }

  private static void addToDay(
      Connection c, LocalDate day, long fees, long rewards, long tasks, long rewardSum)
      throws SQLException {
    try (PreparedStatement ps =
        c.prepareStatement(
            "INSERT INTO day_figures (billing_date, fees, rewards, completed_tasks, reward_sum) VALUES (?, ?, ?, ?, ?)"
                + " ON CONFLICT (billing_date) DO UPDATE SET fees = day_figures.fees + EXCLUDED.fees,"
                + " rewards = day_figures.rewards + EXCLUDED.rewards,"
                + " completed_tasks = day_figures.completed_tasks + EXCLUDED.completed_tasks,"
                + " reward_sum = day_figures.reward_sum + EXCLUDED.reward_sum")) {
      ps.setDate(1, Date.valueOf(day));
      ps.setLong(2, fees);
      ps.setLong(3, rewards);
      ps.setLong(4, tasks);
      ps.setLong(5, rewardSum);
      ps.executeUpdate();
    }
  }

  // --- reads ----------------------------------------------------------------------------------

  /** Stored offsets of a consumer for the given partitions (absent: never read). */
  CompletionStage<Map<String, Long>> offsets(String consumer, Collection<String> topics) {
    return database.query(
        c -> {
          Map<String, Long> offsets = new HashMap<>();
          try (PreparedStatement ps =
              c.prepareStatement(
                  "SELECT topic, partition, next_offset FROM kafka_offsets WHERE consumer = ?")) {
            ps.setString(1, consumer);
            try (ResultSet rs = ps.executeQuery()) {
              while (rs.next()) {
                String topic = rs.getString("topic");
                if (topics.contains(topic)) {
                  offsets.put(
                      partitionKey(topic, rs.getInt("partition")), rs.getLong("next_offset"));
                }
              }
            }
          }
          return offsets;
        });
  }

  /** Every stored offset of every consumer, for the consumer lag figures. */
  CompletionStage<List<KafkaPlatform.ConsumerOffset>> allStoredOffsets() {
    return database.query(
        c -> {
          List<KafkaPlatform.ConsumerOffset> offsets = new ArrayList<>();
          try (PreparedStatement ps =
                  c.prepareStatement(
                      "SELECT consumer, topic, partition, next_offset FROM kafka_offsets");
              ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
              offsets.add(
                  new KafkaPlatform.ConsumerOffset(
                      rs.getString("consumer"),
                      rs.getString("topic"),
                      rs.getInt("partition"),
                      rs.getLong("next_offset")));
            }
          }
          return offsets;
        });
  }

  /**
   * A day's figures and, read in the same snapshot, every stored offset (to skip deltas already
   * included).
   */
  record Loaded(DayFigures figures, Map<String, Long> offsets) {}

  CompletionStage<Loaded> load(LocalDate day) {
    return inSnapshot(c -> new Loaded(figures(c, day), allOffsets(c)));
  }

  /**
   * The figures of every day from {@code from} to {@code to}, read in one snapshot with a fixed
   * number of queries whatever the length of the range (the cold days of a range query).
   */
  CompletionStage<List<DayFigures>> loadRange(LocalDate from, LocalDate to) {
    return inSnapshot(c -> figuresRange(c, from, to));
  }

  /** Reads in one repeatable-read transaction, so every query sees the same snapshot. */
  private <T> CompletionStage<T> inSnapshot(ServiceDatabase.SqlFunction<Connection, T> read) {
    return database.query(
        c -> {
          c.setAutoCommit(false);
          c.setTransactionIsolation(Connection.TRANSACTION_REPEATABLE_READ);
          try {
            T result = read.apply(c);
            c.commit();
            return result;
          } catch (SQLException | RuntimeException e) {
            c.rollback();
            throw e;
          } finally {
            c.setTransactionIsolation(Connection.TRANSACTION_READ_COMMITTED);
            c.setAutoCommit(true);
          }
        });
  }

  private static List<DayFigures> figuresRange(Connection c, LocalDate from, LocalDate to)
      throws SQLException {
    Map<LocalDate, long[]> sums = new HashMap<>();
    try (PreparedStatement ps =
        c.prepareStatement(
            "SELECT billing_date, fees, rewards, completed_tasks, reward_sum FROM day_figures"
                + " WHERE billing_date BETWEEN ? AND ?")) {
      ps.setDate(1, Date.valueOf(from));
      ps.setDate(2, Date.valueOf(to));
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          sums.put(
              rs.getDate("billing_date").toLocalDate(),
              new long[] {
                rs.getLong("fees"), rs.getLong("rewards"),
                rs.getLong("completed_tasks"), rs.getLong("reward_sum")
              });
        }
      }
    }
    Map<LocalDate, DayFigures.TaskFigure> tops = new HashMap<>();
    try (PreparedStatement ps =
        c.prepareStatement(
            "SELECT DISTINCT ON (billing_date) billing_date, task_id, title, jira_id,"
                + " completion_reward, completed_at FROM completed_tasks"
                + " WHERE billing_date BETWEEN ? AND ?"
                + " ORDER BY billing_date, completion_reward DESC, completed_at ASC, task_id ASC")) {
      ps.setDate(1, Date.valueOf(from));
      ps.setDate(2, Date.valueOf(to));
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          tops.put(
              rs.getDate("billing_date").toLocalDate(),
              new DayFigures.TaskFigure(
                  rs.getObject("task_id", UUID.class),
                  rs.getString("title"),
                  rs.getString("jira_id"),
                  rs.getLong("completion_reward"),
                  rs.getTimestamp("completed_at").toInstant()));
        }
      }
    }
    Map<UUID, Long> balances = new HashMap<>();
    try (PreparedStatement ps =
        c.prepareStatement(
            "SELECT account_id, sum(net) AS balance FROM day_nets WHERE billing_date < ?"
                + " GROUP BY account_id")) {
      ps.setDate(1, Date.valueOf(from));
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          balances.put(rs.getObject("account_id", UUID.class), rs.getLong("balance"));
        }
      }
    }
    Map<LocalDate, Map<UUID, Long>> nets = new HashMap<>();
    try (PreparedStatement ps =
        c.prepareStatement(
            "SELECT billing_date, account_id, sum(net) AS net FROM day_nets"
                + " WHERE billing_date BETWEEN ? AND ? GROUP BY billing_date, account_id")) {
      ps.setDate(1, Date.valueOf(from));
      ps.setDate(2, Date.valueOf(to));
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          nets.computeIfAbsent(rs.getDate("billing_date").toLocalDate(), d -> new HashMap<>())
              .put(rs.getObject("account_id", UUID.class), rs.getLong("net"));
        }
      }
    }
    List<DayFigures> days = new ArrayList<>();
    for (LocalDate day = from; !day.isAfter(to); day = day.plusDays(1)) {
      nets.getOrDefault(day, Map.of())
          .forEach((account, net) -> balances.merge(account, net, Long::sum));
      long[] f = sums.getOrDefault(day, new long[4]);
      days.add(new DayFigures(day, f[0], f[1], f[2], f[3], tops.get(day), new HashMap<>(balances)));
    }
    return days;
  }

  private static Map<String, Long> allOffsets(Connection c) throws SQLException {
    Map<String, Long> offsets = new HashMap<>();
    try (PreparedStatement ps =
            c.prepareStatement(
                "SELECT consumer, topic, partition, next_offset FROM kafka_offsets");
        ResultSet rs = ps.executeQuery()) {
      while (rs.next()) {
        offsets.put(
            partitionKey(rs.getString("topic"), rs.getInt("partition")), rs.getLong("next_offset"));
      }
    }
    return offsets;
  }

  private static DayFigures figures(Connection c, LocalDate day) throws SQLException {
    return figuresRange(c, day, day).get(0);
  }

  /**
   * Every account's fees, rewards and payouts counted on {@code day} (the analytics side of the
   * reconciliation), by account.
   */
  CompletionStage<Map<UUID, Reconciliation.Amounts>> accountDay(LocalDate day) {
    return database.query(c -> accountDay(c, day));
  }

  /** As {@link #accountDay(LocalDate)}, on a connection of its own (the reconcile command). */
  static Map<UUID, Reconciliation.Amounts> accountDay(Connection c, LocalDate day)
      throws SQLException {
    Map<UUID, Reconciliation.Amounts> amounts = new HashMap<>();
    try (PreparedStatement ps =
        c.prepareStatement(
            "SELECT account_id, fees, rewards, payouts FROM day_nets WHERE billing_date = ?")) {
      ps.setDate(1, Date.valueOf(day));
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          amounts.put(
              rs.getObject("account_id", UUID.class),
              Reconciliation.Amounts.builder()
                  .fees(rs.getLong("fees"))
                  .rewards(rs.getLong("rewards"))
                  .payouts(rs.getLong("payouts"))
                  .build());
        }
      }
    }
    return amounts;
  }

  /** Users whose role is not worker (left out of the negative-balance count). */
  CompletionStage<Set<UUID>> nonWorkers() {
    return database.query(
        c -> {
          Set<UUID> ids = new HashSet<>();
          try (PreparedStatement ps =
                  c.prepareStatement("SELECT user_id FROM known_users WHERE role <> 'worker'");
              ResultSet rs = ps.executeQuery()) {
            while (rs.next()) ids.add(rs.getObject("user_id", UUID.class));
          }
          return ids;
        });
  }
}
