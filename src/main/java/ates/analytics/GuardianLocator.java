package ates.analytics;

import akka.actor.typed.ActorRef;
import akka.actor.typed.ActorSystem;
import akka.actor.typed.Behavior;
import akka.actor.typed.Props;
import akka.actor.typed.javadsl.Behaviors;
import akka.actor.typed.receptionist.Receptionist;
import akka.actor.typed.receptionist.ServiceKey;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Where the analytics guardian runs now, for the queries of this node: the guardian registers
 * itself with the cluster's receptionist, and this node follows the registrations.
 *
 * <p>The singleton's proxy is not used for queries: after the guardian's lease is lost and acquired
 * again on the same node (a database failover), the singleton manager starts a new guardian, but
 * Akka's proxy only looks for the singleton again when the oldest node changes; it would buffer
 * every query for good. The receptionist drops a stopped guardian's registration and spreads the
 * new one through the cluster within its gossip interval.
 */
final class GuardianLocator {

  static final ServiceKey<AnalyticsGuardian.Command> KEY =
      ServiceKey.create(AnalyticsGuardian.Command.class, "ates-analytics-guardian");

  private final AtomicReference<Set<ActorRef<AnalyticsGuardian.Command>>> registered =
      new AtomicReference<>(Set.of());

  private GuardianLocator() {}

  /** Follows the guardian's registrations from now on. */
  static GuardianLocator start(ActorSystem<?> system) {
    GuardianLocator locator = new GuardianLocator();
    system.systemActorOf(locator.subscriber(), "ates-analytics-guardian-locator", Props.empty());
    return locator;
  }

  /** The guardian registered now; empty while none is (it is starting or moving). */
  Optional<ActorRef<AnalyticsGuardian.Command>> current() {
    return registered.get().stream().findFirst();
  }

  private Behavior<Receptionist.Listing> subscriber() {
    return Behaviors.setup(
        context -> {
          context.getSystem().receptionist().tell(Receptionist.subscribe(KEY, context.getSelf()));
          return Behaviors.receiveMessage(
              listing -> {
                registered.set(Set.copyOf(listing.getServiceInstances(KEY)));
                return Behaviors.same();
              });
        });
  }
}
