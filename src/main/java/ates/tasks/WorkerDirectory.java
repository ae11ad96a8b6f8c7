package ates.tasks;

import akka.Done;
import akka.actor.typed.ActorSystem;
import ates.contract.EventEnvelope;
import ates.contract.EventJson;
import ates.contract.Role;
import ates.contract.Topics;
import ates.contract.events.UserRegisteredV1;
import ates.contract.events.UserRoleChangedV1;
import ates.platform.Periodic;
import ates.platform.ServiceContext;
import ates.platform.db.ServiceDatabase;
import ates.platform.kafka.EventConsumer;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ThreadLocalRandom;

/**
 * The tasks service's own replica of users: who is a worker. An idempotent consumer of the
 * {@code Users} topic keeps the {@code known_users} table of the tasks database (an upsert that
 * never lets an older event overwrite a newer one), and every node holds the workers in memory for
 * a uniform random choice, reloaded after each change it applies and every refresh interval (for
 * changes applied by other nodes).
 */
public final class WorkerDirectory {

  static final String CONSUMER_GROUP = "tasks-users";

  private final ServiceDatabase database;
  private volatile UUID[] workers = new UUID[0];
  /** Reloads are numbered when they start; one that finishes after a newer one is dropped. */
  private long reloadsStarted;
  private long reloadApplied;

  WorkerDirectory(ServiceDatabase database) {
    this.database = database;
  }

  /** Loads the directory, then starts the consumer and the periodic refresh. */
  CompletionStage<Done> start(ServiceContext ctx) {
    ActorSystem<?> system = ctx.system();
    Duration refresh = ctx.config().getDuration("ates.tasks.worker-refresh-interval");
    return reload()
        .thenApply(
            d -> {
              EventConsumer.start(
                  system, ctx.kafka(), ctx.metrics(), CONSUMER_GROUP, Topics.USERS, this::apply);
              Periodic.every(system, "worker-directory-refresh", refresh, this::reloadQuietly);
              return Done.getInstance();
            });
  }

  /** A uniformly random worker, if any. */
  public Optional<UUID> pick() {
    UUID[] current = workers;
    if (current.length == 0) return Optional.empty();
    return Optional.of(current[ThreadLocalRandom.current().nextInt(current.length)]);
  }

  CompletionStage<Done> apply(EventEnvelope envelope) {
    final UUID userId;
    final Role role;
    final Instant changedAt;
    switch (envelope.eventName()) {
      case UserRegisteredV1.NAME -> {
        UserRegisteredV1 e = EventJson.dataAs(envelope, UserRegisteredV1.class);
        userId = e.userId();
        role = e.role();
        changedAt = e.registeredAt();
      }
      case UserRoleChangedV1.NAME -> {
        UserRoleChangedV1 e = EventJson.dataAs(envelope, UserRoleChangedV1.class);
        userId = e.userId();
        role = e.role();
        changedAt = e.changedAt();
      }
      default -> {
        return CompletableFuture.completedFuture(Done.getInstance());
      }
    }
    return database
        .query(c -> upsert(c, userId, role, changedAt))
        .thenCompose(n -> reload());
  }

  private static int upsert(Connection c, UUID userId, Role role, Instant changedAt)
      throws SQLException {
    try (PreparedStatement ps =
        c.prepareStatement(
            "INSERT INTO known_users (user_id, role, changed_at) VALUES (?, ?, ?)"
                + " ON CONFLICT (user_id) DO UPDATE SET role = EXCLUDED.role, changed_at = EXCLUDED.changed_at"
                + " WHERE known_users.changed_at <= EXCLUDED.changed_at")) {
      ps.setObject(1, userId);
      ps.setString(2, role.wireName());
      ps.setTimestamp(3, Timestamp.from(changedAt));
      return ps.executeUpdate();
    }
  }

  CompletionStage<Done> reload() {
    long ticket;
    synchronized (this) {
      ticket = ++reloadsStarted;
    }
    return database
        .query(
            c -> {
              List<UUID> ids = new ArrayList<>();
              try (PreparedStatement ps =
                      c.prepareStatement("SELECT user_id FROM known_users WHERE role = 'worker'");
                  ResultSet rs = ps.executeQuery()) {
                while (rs.next()) ids.add(rs.getObject("user_id", UUID.class));
              }
              return ids;
            })
        .thenApply(
            ids -> {
              synchronized (this) {
                // a reload that started earlier read an older state: never let it overwrite a newer one
                if (ticket > reloadApplied) {
                  reloadApplied = ticket;
                  workers = ids.toArray(new UUID[0]);
                }
              }
              return Done.getInstance();
            });
  }

  private void reloadQuietly() {
    // a failed refresh keeps the last directory; the next one retries
    reload().exceptionally(e -> Done.getInstance());
  }
}
