package ates.platform.http;

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
import ates.contract.Role;
import ates.platform.CborSerializable;
import java.time.Duration;
import java.time.Instant;
import java.util.Collection;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Every user's current role and when it last changed, replicated to every node of the cluster with
 * Akka Distributed Data, so that each node's token check refuses a token older than its user's last
 * role change (http-api.md, Tokens).
 *
 * <p>Consistency: identity writes a change with {@code WriteAll} (at most {@link #WRITE_TIMEOUT});
 * a node it could not reach gets it by gossip. Readers read their local replica, kept in a map on
 * every change. The newest change wins whichever node writes last: the register's clock is the
 * change's own time. The replica is not durable: identity writes every user's stamp again when it
 * starts ({@link #seed}), from its read model, so a restarted cluster refuses old tokens again as
 * soon as an identity node is up.
 */
public final class UserRoles {

  private static final Logger log = LoggerFactory.getLogger(UserRoles.class);
  private static final Key<LWWMap<String, Stamp>> KEY = LWWMapKey.create("ates-user-roles");
  private static final Duration WRITE_TIMEOUT = Duration.ofMillis(1500);
  private static final LWWRegister.Clock<Stamp> CHANGE_TIME = (current, stamp) -> stamp.changedAt;

  /** A user's role since {@code changedAt} (epoch milliseconds). */
  public record Stamp(String role, long changedAt) implements CborSerializable {}

  private final ActorSystem<?> system;
  private final ActorRef<Replicator.Command> replicator;
  private final SelfUniqueAddress self;
  private final Map<UUID, Stamp> local = new ConcurrentHashMap<>();

  private UserRoles(ActorSystem<?> system) {
    this.system = system;
    this.replicator = DistributedData.get(system).replicator();
    this.self = DistributedData.get(system).selfUniqueAddress();
  }

  /** Starts the node's replica and its subscription to changes. */
  public static UserRoles start(ActorSystem<?> system) {
    UserRoles roles = new UserRoles(system);
    system.systemActorOf(roles.subscriber(), "ates-user-roles", Props.empty());
    return roles;
  }

  private Behavior<Replicator.SubscribeResponse<LWWMap<String, Stamp>>> subscriber() {
    return Behaviors.setup(
        ctx -> {
          replicator.tell(new Replicator.Subscribe<>(KEY, ctx.getSelf()));
          return Behaviors.receiveMessage(
              response -> {
                if (response instanceof Replicator.Changed<LWWMap<String, Stamp>> changed) {
                  changed.get(KEY).getEntries().forEach((id, stamp) -> remember(id, stamp));
                }
                return Behaviors.same();
              });
        });
  }

  private void remember(String userId, Stamp stamp) {
    local.merge(UUID.fromString(userId), stamp, (a, b) -> a.changedAt >= b.changedAt ? a : b);
  }

  /**
   * True unless the token predates its user's last role change or carries another role than the
   * user's current one. Users this node has not heard of are accepted (the signature was valid).
   */
  public boolean accepts(Principal principal) {
    Stamp stamp = local.get(principal.userId());
    if (stamp == null) return true;
    return stamp.role.equals(principal.role().wireName())
        && principal.issuedAt().toEpochMilli() >= stamp.changedAt;
  }

  /** Records a role change on this node at once and on every node it reaches. */
  public CompletionStage<Done> changed(UUID userId, Role role, Instant changedAt) {
    Stamp stamp = new Stamp(role.wireName(), changedAt.toEpochMilli());
    remember(userId.toString(), stamp);
    return update(
        new Replicator.WriteAll(WRITE_TIMEOUT), map -> putIfNewer(map, userId.toString(), stamp));
  }

  /** Writes the stamps identity knows from its read model (on start). */
  public CompletionStage<Done> seed(Collection<Map.Entry<UUID, Stamp>> stamps) {
    stamps.forEach(e -> remember(e.getKey().toString(), e.getValue()));
    return update(
        Replicator.writeLocal(),
        map -> {
          LWWMap<String, Stamp> m = map;
          for (Map.Entry<UUID, Stamp> e : stamps) {
            m = putIfNewer(m, e.getKey().toString(), e.getValue());
          }
          return m;
        });
  }

  private LWWMap<String, Stamp> putIfNewer(LWWMap<String, Stamp> map, String id, Stamp stamp) {
    scala.Option<Stamp> current = map.get(id);
    if (current.isDefined() && current.get().changedAt >= stamp.changedAt) return map;
    return map.put(self, id, stamp, CHANGE_TIME);
  }

  private CompletionStage<Done> update(
      Replicator.WriteConsistency consistency,
      java.util.function.Function<LWWMap<String, Stamp>, LWWMap<String, Stamp>> modify) {
    CompletionStage<Replicator.UpdateResponse<LWWMap<String, Stamp>>> answer =
        AskPattern.ask(
            replicator,
            replyTo -> new Replicator.Update<>(KEY, LWWMap.create(), consistency, replyTo, modify),
            WRITE_TIMEOUT.plusSeconds(1),
            system.scheduler());
    return answer.handle(
        (response, failure) -> {
          if (failure != null || !(response instanceof Replicator.UpdateSuccess)) {
            // applied locally all the same; gossip carries it to the nodes not reached
            log.info(
                "Role change not confirmed by every node yet: {}",
                failure != null ? failure : response);
          }
          return Done.getInstance();
        });
  }
}
