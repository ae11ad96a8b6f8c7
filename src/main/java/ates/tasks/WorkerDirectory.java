package ates.tasks;

import akka.Done;
import akka.actor.typed.ActorRef;
import akka.actor.typed.ActorSystem;
import akka.actor.typed.Behavior;
import akka.actor.typed.Props;
import akka.actor.typed.javadsl.AskPattern;
import akka.actor.typed.javadsl.Behaviors;
import akka.cluster.ddata.Key;
import akka.cluster.ddata.LWWMap;
import akka.cluster.ddata.LWWMapKey;
import akka.cluster.ddata.LWWRegister;
import akka.cluster.ddata.SelfUniqueAddress;
import akka.cluster.ddata.typed.javadsl.DistributedData;
import akka.cluster.ddata.typed.javadsl.Replicator;
import ates.contract.EventEnvelope;
import ates.contract.Role;
import ates.contract.Topics;
import ates.contract.events.UserRegisteredV1;
import ates.contract.events.UserRoleChangedV1;
import ates.platform.CborSerializable;
import ates.platform.ServiceContext;
import ates.platform.db.ServiceDatabase;
import ates.platform.db.UsersReplica;
import ates.platform.kafka.EventConsumer;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Who is a worker, on every tasks node, for a uniform random choice: a cache replicated with Akka
 * Distributed Data from the {@code Users} topic, never polled from the database.
 *
 * <ul>
 *   <li>The one consumer group of the {@code Users} topic keeps the {@code known_users} table by
 *       the rule of {@link UsersReplica} (an older event never overwrites a newer one); after an
 *       event changed a row, the node that consumed it writes the row's role and time into the
 *       replicated map, and applies it to its own directory at once.
 *   <li>Writes use {@code WriteAll} (at most {@link #WRITE_TIMEOUT}): a role change is rare, and it
 *       reaches every reachable node directly, so every node stops picking a promoted worker within
 *       the Kafka hop plus Akka's {@code notify-subscribers-interval} (100 ms here). A write that
 *       times out (a node unreachable) is still applied locally and on the nodes it reached, and
 *       gossiped to the rest; it is not an error (the table is the durable copy).
 *   <li>Reads are local: every node subscribes to the map and rebuilds its array of workers on each
 *       change, so picking a worker never waits for another node. A worker promoted a moment ago
 *       may be picked by a node the change has not reached yet (at most the gossip delay).
 *   <li>The map is split into {@value #SHARDS} keys by user id, so that no gossip message grows
 *       with the number of users beyond Artery's frame size. It is not durable: every tasks node
 *       writes the table's rows into it when it starts ({@code WriteLocal}, newest change wins), so
 *       a cluster restarted whole is complete again as soon as one tasks node is up; a lost node
 *       loses nothing, as every node holds every entry.
 * </ul>
 */
public final class WorkerDirectory {

  static final String CONSUMER_GROUP = "tasks-users";
  static final int SHARDS = 16;
  private static final Duration WRITE_TIMEOUT = Duration.ofSeconds(2);
  private static final Logger log = LoggerFactory.getLogger(WorkerDirectory.class);
  private static final LWWRegister.Clock<Stamp> CHANGE_TIME = (current, stamp) -> stamp.changedAt;

  /** A user's role since {@code changedAt} (epoch milliseconds), as the table holds it. */
  public record Stamp(String role, long changedAt) implements CborSerializable {}

  private final ServiceDatabase database;
  private final Map<UUID, Stamp> users = new ConcurrentHashMap<>();
  private volatile UUID[] workers = new UUID[0];
  private volatile Replication replication;

  WorkerDirectory(ServiceDatabase database) {
    this.database = database;
  }

  /** Joins the replicated map, loads the table into it, then starts the consumer. */
  CompletionStage<Done> start(ServiceContext ctx) {
    ActorSystem<?> system = ctx.system();
    replication = new Replication(system);
    return loadTable()
        .thenCompose(rows -> replication.seed(rows))
        .thenApply(
            d -> {
              EventConsumer.start(
                  system, ctx.kafka(), ctx.metrics(), CONSUMER_GROUP, Topics.USERS, this::apply);
              return Done.getInstance();
            });
  }

  /** A uniformly random worker, if any. */
  public Optional<UUID> pick() {
    UUID[] current = workers;
    if (current.length == 0) return Optional.empty();
    return Optional.of(current[ThreadLocalRandom.current().nextInt(current.length)]);
  }

  /**
   * Applies a {@code Users} event to the table, then hands the user's row (role and time) to this
   * node's directory at once and to the replicated map. The row is written even when the event
   * changed nothing (a redelivery), so that a node that failed between the table and the map
   * completes the map when the event comes again.
   */
  CompletionStage<Done> apply(EventEnvelope envelope) {
    boolean usersEvent =
        envelope.eventName().equals(UserRegisteredV1.NAME)
            || envelope.eventName().equals(UserRoleChangedV1.NAME);
    return UsersReplica.apply(database, envelope)
        .thenCompose(
            changed -> {
              if (!usersEvent || !envelope.data().hasNonNull("userId")) {
                return CompletableFuture.completedFuture(Done.getInstance());
              }
              UUID userId = UUID.fromString(envelope.data().get("userId").asText());
              return row(userId)
                  .thenCompose(
                      stamp -> {
                        if (stamp.isEmpty()) {
                          return CompletableFuture.completedFuture(Done.getInstance());
                        }
                        remember(userId, stamp.get());
                        Replication r = replication;
                        return r == null
                            ? CompletableFuture.completedFuture(Done.getInstance())
                            : r.write(userId, stamp.get());
                      });
            });
  }

  private CompletionStage<Optional<Stamp>> row(UUID userId) {
    return database.query(
        c -> {
          try (PreparedStatement ps =
              c.prepareStatement("SELECT role, changed_at FROM known_users WHERE user_id = ?")) {
            ps.setObject(1, userId);
            try (ResultSet rs = ps.executeQuery()) {
              if (!rs.next()) return Optional.empty();
              return Optional.of(
                  new Stamp(rs.getString("role"), rs.getTimestamp("changed_at").getTime()));
            }
          }
        });
  }

  private CompletionStage<Map<UUID, Stamp>> loadTable() {
    return database
        .query(
            c -> {
              Map<UUID, Stamp> rows = new java.util.HashMap<>();
              try (PreparedStatement ps =
                      c.prepareStatement("SELECT user_id, role, changed_at FROM known_users");
                  ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                  rows.put(
                      rs.getObject("user_id", UUID.class),
                      new Stamp(rs.getString("role"), rs.getTimestamp("changed_at").getTime()));
                }
              }
              return rows;
            })
        .thenApply(
            rows -> {
              rows.forEach(this::remember);
              return rows;
            });
  }

  /** Keeps the newer of two stamps of a user (on equal times the one given now: the table's). */
  private void remember(UUID userId, Stamp stamp) {
    Stamp before = users.get(userId);
    Stamp after = users.merge(userId, stamp, (a, b) -> b.changedAt >= a.changedAt ? b : a);
    if (before == null || !before.role.equals(after.role)) rebuild();
  }

  private synchronized void rebuild() {
    String worker = Role.WORKER.wireName();
    List<UUID> ids = new ArrayList<>();
    users.forEach(
        (id, stamp) -> {
          if (stamp.role.equals(worker)) ids.add(id);
        });
    workers = ids.toArray(new UUID[0]);
  }

  static int shardOf(UUID userId) {
    return Math.floorMod(userId.hashCode(), SHARDS);
  }

  /** This node's link to the replicated map: its writes and its subscription. */
  private final class Replication {
    private final ActorSystem<?> system;
    private final ActorRef<Replicator.Command> replicator;
    private final SelfUniqueAddress self;
    private final List<Key<LWWMap<String, Stamp>>> keys = new ArrayList<>();

    Replication(ActorSystem<?> system) {
      this.system = system;
      this.replicator = DistributedData.get(system).replicator();
      this.self = DistributedData.get(system).selfUniqueAddress();
      for (int i = 0; i < SHARDS; i++) keys.add(LWWMapKey.create("ates-tasks-workers-" + i));
      system.systemActorOf(subscriber(), "ates-worker-directory", Props.empty());
    }

    private Behavior<Replicator.SubscribeResponse<LWWMap<String, Stamp>>> subscriber() {
      return Behaviors.setup(
          ctx -> {
            for (Key<LWWMap<String, Stamp>> key : keys) {
              replicator.tell(new Replicator.Subscribe<>(key, ctx.getSelf()));
            }
            return Behaviors.receiveMessage(
                response -> {
                  if (response instanceof Replicator.Changed<LWWMap<String, Stamp>> changed) {
                    changed
                        .dataValue()
                        .getEntries()
                        .forEach((id, stamp) -> remember(UUID.fromString(id), stamp));
                  }
                  return Behaviors.same();
                });
          });
    }

    CompletionStage<Done> write(UUID userId, Stamp stamp) {
      return update(
          keys.get(shardOf(userId)),
          new Replicator.WriteAll(WRITE_TIMEOUT),
          map -> putIfNewer(map, userId.toString(), stamp));
    }

    CompletionStage<Done> seed(Map<UUID, Stamp> rows) {
      List<CompletableFuture<Done>> writes = new ArrayList<>();
      for (int shard = 0; shard < SHARDS; shard++) {
        int s = shard;
        Map<UUID, Stamp> part = new java.util.HashMap<>();
        rows.forEach(
            (id, stamp) -> {
              if (shardOf(id) == s) part.put(id, stamp);
            });
        if (part.isEmpty()) continue;
        writes.add(
            update(
                    keys.get(s),
                    Replicator.writeLocal(),
                    map -> {
                      LWWMap<String, Stamp> m = map;
                      for (Map.Entry<UUID, Stamp> e : part.entrySet()) {
                        m = putIfNewer(m, e.getKey().toString(), e.getValue());
                      }
                      return m;
                    })
                .toCompletableFuture());
      }
      return CompletableFuture.allOf(writes.toArray(new CompletableFuture[0]))
          .thenApply(v -> Done.getInstance());
    }

    private LWWMap<String, Stamp> putIfNewer(LWWMap<String, Stamp> map, String id, Stamp stamp) {
      scala.Option<Stamp> current = map.get(id);
      if (current.isDefined()
          && (current.get().changedAt > stamp.changedAt || current.get().equals(stamp))) {
        return map;
      }
      return map.put(self, id, stamp, CHANGE_TIME);
    }

    private CompletionStage<Done> update(
        Key<LWWMap<String, Stamp>> key,
        Replicator.WriteConsistency consistency,
        java.util.function.Function<LWWMap<String, Stamp>, LWWMap<String, Stamp>> modify) {
      CompletionStage<Replicator.UpdateResponse<LWWMap<String, Stamp>>> answer =
          AskPattern.ask(
              replicator,
              replyTo ->
                  new Replicator.Update<>(key, LWWMap.create(), consistency, replyTo, modify),
              WRITE_TIMEOUT.plusSeconds(1),
              system.scheduler());
      return answer.handle(
          (response, failure) -> {
            if (failure != null || !(response instanceof Replicator.UpdateSuccess)) {
              // applied locally all the same; gossip carries it to the nodes not reached
              log.info(
                  "Worker directory change not confirmed by every node yet: {}",
                  failure != null ? failure : response);
            }
            return Done.getInstance();
          });
    }
  }
}
