package ates.platform.cluster;

import akka.Done;
import akka.actor.Cancellable;
import akka.actor.CoordinatedShutdown;
import akka.actor.typed.ActorSystem;
import akka.actor.typed.Behavior;
import akka.actor.typed.PostStop;
import akka.actor.typed.SupervisorStrategy;
import akka.actor.typed.javadsl.Adapter;
import akka.actor.typed.javadsl.Behaviors;
import akka.cluster.Member;
import akka.cluster.typed.Cluster;
import akka.cluster.typed.ClusterSingleton;
import akka.cluster.typed.ClusterSingletonSettings;
import akka.cluster.typed.SingletonActor;
import com.typesafe.config.Config;
import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.HashSet;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import javax.sql.DataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The start-up guard: one cluster per database. Each service database has one {@code
 * cluster_incarnation} row: the cluster using it (a random incarnation id), the address of the node
 * that keeps the row (the oldest node of the service's role, a cluster singleton) and its expiry by
 * the database's clock, renewed every quarter of {@code ttl}.
 *
 * <p>A starting node first becomes a member of its cluster, then reads the row of each of its
 * services' databases: it goes on when the row is missing or expired, or its keeper is a member of
 * the node's own cluster (or the node itself at the same address, restarted). Otherwise another
 * cluster is alive on that database: the node waits up to {@code ttl} for the row to expire (the
 * other cluster may just have crashed) and, if it is still renewed, refuses to start with {@link
 * RefusedException}, which says how to join that cluster or take over once it is gone.
 */
public final class ClusterGuard {

  private static final Logger log = LoggerFactory.getLogger(ClusterGuard.class);

  private ClusterGuard() {}

  /** The node would share a database with another live cluster. */
  public static final class RefusedException extends RuntimeException {
    public RefusedException(String message) {
      super(message);
    }
  }

  /** What the row says, as of the database's clock. */
  record Incarnation(String incarnation, String keeper, boolean live, long remainingMillis) {}

  /**
   * Waits until this node is a member, checks every database ({@code service → pool}), then starts
   * the keeper singleton of each. Does nothing but log a warning when the guard is off.
   */
  public static void checkAndKeep(ActorSystem<?> system, Map<String, DataSource> databases) {
    Config config = system.settings().config().getConfig("ates.cluster-guard");
    if (!config.getBoolean("enabled")) {
      log.warn(
          "ATES_CLUSTER_GUARD=off: this node does not check whether another cluster uses its"
              + " databases {}, and does not claim them",
          databases.keySet());
      return;
    }
    Duration ttl = config.getDuration("ttl");
    awaitMembership(system, config.getDuration("join-timeout"));
    for (Map.Entry<String, DataSource> db : databases.entrySet()) {
      check(system, db.getKey(), db.getValue(), ttl);
    }
    for (Map.Entry<String, DataSource> db : databases.entrySet()) {
      ClusterSingleton.get(system)
          .init(
              SingletonActor.of(
                      Behaviors.supervise(keeper(db.getKey(), db.getValue(), ttl))
                          .onFailure(SupervisorStrategy.restart()),
                      "cluster-incarnation-" + db.getKey())
                  .withSettings(ClusterSingletonSettings.create(system).withRole(db.getKey())));
    }
  }

  private static void awaitMembership(ActorSystem<?> system, Duration timeout) {
    CompletableFuture<Void> up = new CompletableFuture<>();
    akka.cluster.Cluster.get(Adapter.toClassic(system)).registerOnMemberUp(() -> up.complete(null));
    try {
      up.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
    } catch (Exception e) {
      throw new RefusedException(
          "This node did not become a cluster member within "
              + timeout.toSeconds()
              + " s; check ATES_CONTACT_POINTS (every node of a cluster gets the same list)");
    }
  }

  /** This node's cluster: the {@code system@host:port} of every member, itself included. */
  static Set<String> members(ActorSystem<?> system) {
    Cluster cluster = Cluster.get(system);
    Set<String> members = new HashSet<>();
    for (Member m : cluster.state().getMembers()) members.add(m.address().hostPort());
    members.add(cluster.selfMember().address().hostPort());
    return members;
  }

  static void check(ActorSystem<?> system, String service, DataSource db, Duration ttl) {
    long deadline = System.nanoTime() + ttl.plusSeconds(1).toNanos();
    boolean waited = false;
    while (true) {
      Optional<Incarnation> row = read(db);
      Set<String> members = members(system);
      if (row.isEmpty() || !row.get().live() || members.contains(row.get().keeper())) {
        if (waited) log.info("The {} database is free now: this node takes it over", service);
        return;
      }
      Incarnation other = row.get();
      if (System.nanoTime() > deadline) {
        throw new RefusedException(refusal(service, other, members, ttl));
      }
      if (!waited) {
        log.warn(
            "The {} database is used by another cluster (incarnation {}, kept by {}); waiting up"
                + " to {} s for its claim to expire",
            service,
            other.incarnation(),
            other.keeper(),
            ttl.plusSeconds(1).toSeconds());
        waited = true;
      }
      long pause = Math.min(Math.max(100, other.remainingMillis() + 50), 1000);
      try {
        Thread.sleep(pause);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new RefusedException("interrupted while checking the " + service + " database");
      }
    }
  }

  static String refusal(String service, Incarnation other, Set<String> members, Duration ttl) {
    String host = other.keeper().contains("@") ? other.keeper().split("@", 2)[1] : other.keeper();
    return "Refusing to start: the "
        + service
        + " database is used by another live aTES cluster (incarnation "
        + other.incarnation()
        + ", kept by the node at "
        + host
        + " (Akka remoting), renewed every "
        + ttl.dividedBy(4).toMillis()
        + " ms). This node is in a different cluster "
        + members
        + ". Two clusters on one database would run the same entities twice. To join that cluster,"
        + " start this node with the same ATES_CONTACT_POINTS as its nodes (host:managementPort of"
        + " each). To take over because that cluster is gone, stop all its nodes and start this"
        + " node again: its claim expires "
        + ttl.toSeconds()
        + " s after its last renewal (ATES_LEASE_DURATION).";
  }

  static Optional<Incarnation> read(DataSource db) {
    try (Connection c = db.getConnection();
        PreparedStatement ps =
            c.prepareStatement(
                "SELECT incarnation, keeper, expires_at > now() AS live, "
                    + "(extract(epoch FROM (expires_at - now())) * 1000)::bigint AS remaining_ms "
                    + "FROM cluster_incarnation WHERE id = 1")) {
      try (ResultSet rs = ps.executeQuery()) {
        if (!rs.next()) return Optional.empty();
        return Optional.of(
            new Incarnation(
                rs.getString("incarnation"),
                rs.getString("keeper"),
                rs.getBoolean("live"),
                rs.getLong("remaining_ms")));
      }
    } catch (SQLException e) {
      throw new RefusedException("cannot read cluster_incarnation: " + e.getMessage());
    }
  }

  /**
   * Claims or renews the row for this cluster: takes it when it is missing or expired (a new
   * incarnation), or when its keeper is a member of this cluster (the same incarnation goes on,
   * also after the previous keeper released it on leaving). Empty when another live cluster holds
   * it.
   */
  static Optional<String> claim(DataSource db, String keeper, Set<String> members, Duration ttl)
      throws SQLException {
    try (Connection c = db.getConnection();
        PreparedStatement ps =
            c.prepareStatement(
                "INSERT INTO cluster_incarnation (id, incarnation, keeper, expires_at) "
                    + "VALUES (1, ?, ?, now() + ? * interval '1 millisecond') "
                    + "ON CONFLICT (id) DO UPDATE SET keeper = EXCLUDED.keeper, "
                    + "expires_at = EXCLUDED.expires_at, incarnation = CASE "
                    + "WHEN cluster_incarnation.keeper = ANY(?) THEN cluster_incarnation.incarnation "
                    + "ELSE EXCLUDED.incarnation END "
                    + "WHERE cluster_incarnation.expires_at <= now() "
                    + "OR cluster_incarnation.keeper = ANY(?) RETURNING incarnation")) {
      ps.setQueryTimeout(5);
      ps.setString(1, UUID.randomUUID().toString());
      ps.setString(2, keeper);
      ps.setLong(3, ttl.toMillis());
      Array array = c.createArrayOf("text", members.toArray());
      ps.setArray(4, array);
      ps.setArray(5, array);
      try (ResultSet rs = ps.executeQuery()) {
        return rs.next() ? Optional.of(rs.getString("incarnation")) : Optional.empty();
      }
    }
  }

  /** Gives the claim up at once (the keeper stops): the next keeper takes the row over. */
  static void release(DataSource db, String keeper) throws SQLException {
    try (Connection c = db.getConnection();
        PreparedStatement ps =
            c.prepareStatement(
                "UPDATE cluster_incarnation SET expires_at = now() WHERE id = 1 AND keeper = ?")) {
      ps.setQueryTimeout(5);
      ps.setString(1, keeper);
      ps.executeUpdate();
    }
  }

  private static void releaseQuietly(DataSource db, String keeper, String service) {
    try {
      release(db, keeper);
    } catch (SQLException e) {
      log.warn("Cannot release the {} database's claim: {}", service, e.getMessage());
    }
  }

  private interface KeeperMessage {}

  private enum Tick implements KeeperMessage {
    INSTANCE
  }

  private record Claimed(Optional<String> incarnation, Throwable failure)
      implements KeeperMessage {}

  /** The cluster singleton that keeps the row of one database. */
  static Behavior<KeeperMessage> keeper(String service, DataSource db, Duration ttl) {
    return Behaviors.setup(
        ctx -> {
          Executor executor =
              ctx.getSystem()
                  .dispatchers()
                  .lookup(akka.actor.typed.DispatcherSelector.fromConfig("ates.lease.dispatcher"));
          String self = Cluster.get(ctx.getSystem()).selfMember().address().hostPort();
          String[] current = {null};
          // On a node shutting down, the claim is given up before the database pools close (they
          // close right before the actor system terminates, when this actor would stop); when the
          // singleton moves away first, PostStop gives it up and the task is cancelled.
          Cancellable releaseOnShutdown =
              CoordinatedShutdown.get(Adapter.toClassic(ctx.getSystem()))
                  .addCancellableTask(
                      CoordinatedShutdown.PhaseBeforeActorSystemTerminate(),
                      "release-cluster-claim-" + service,
                      () ->
                          CompletableFuture.supplyAsync(
                              () -> {
                                releaseQuietly(db, self, service);
                                return Done.getInstance();
                              },
                              executor));
          return Behaviors.withTimers(
              timers -> {
                timers.startTimerWithFixedDelay(Tick.INSTANCE, Duration.ZERO, ttl.dividedBy(4));
                return Behaviors.receive(KeeperMessage.class)
                    .onMessage(
                        Tick.class,
                        t -> {
                          Set<String> members = members(ctx.getSystem());
                          ctx.pipeToSelf(
                              CompletableFuture.supplyAsync(
                                  () -> {
                                    try {
                                      return claim(db, self, members, ttl);
                                    } catch (SQLException e) {
                                      throw new IllegalStateException(e.getMessage(), e);
                                    }
                                  },
                                  executor),
                              Claimed::new);
                          return Behaviors.same();
                        })
                    .onMessage(
                        Claimed.class,
                        c -> {
                          if (c.failure() != null) {
                            log.warn(
                                "Cannot renew the cluster incarnation of the {} database: {}",
                                service,
                                c.failure().getMessage());
                          } else if (c.incarnation().isEmpty()) {
                            log.error(
                                "The {} database is claimed by another live cluster (see"
                                    + " cluster_incarnation): the two started at the same time,"
                                    + " or one with ATES_CLUSTER_GUARD=off. The leases keep each"
                                    + " entity in one place; stop one of the clusters",
                                service);
                            current[0] = null;
                          } else if (!c.incarnation().get().equals(current[0])) {
                            current[0] = c.incarnation().get();
                            log.info(
                                "This cluster (incarnation {}) holds the {} database, kept by {}",
                                current[0],
                                service,
                                self);
                          }
                          return Behaviors.same();
                        })
                    .onSignal(
                        PostStop.class,
                        s -> {
                          if (releaseOnShutdown.cancel()) releaseQuietly(db, self, service);
                          return Behaviors.same();
                        })
                    .build();
              });
        });
  }
}
