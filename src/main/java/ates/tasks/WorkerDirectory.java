package ates.tasks;

import akka.Done;
import akka.actor.typed.ActorSystem;
import ates.contract.EventEnvelope;
import ates.contract.Topics;
import ates.platform.Periodic;
import ates.platform.ServiceContext;
import ates.platform.db.ServiceDatabase;
import ates.platform.db.UsersReplica;
import ates.platform.kafka.EventConsumer;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ThreadLocalRandom;

/**
 * The tasks service's own replica of users: who is a worker. An idempotent consumer of the {@code
 * Users} topic keeps the {@code known_users} table of the tasks database by the one rule of {@link
 * UsersReplica} (an older event never overwrites a newer one), and every node holds the workers in
 * memory for a uniform random choice, reloaded after each change it applies and every refresh
 * interval (for changes applied by other nodes).
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
    return UsersReplica.apply(database, envelope).thenCompose(changed -> reload());
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
                // a reload that started earlier read an older state: never let it overwrite a newer
                // one
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
