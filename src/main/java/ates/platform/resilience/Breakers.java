package ates.platform.resilience;

import akka.actor.typed.ActorSystem;
import akka.actor.typed.Extension;
import akka.actor.typed.ExtensionId;
import ates.platform.Metrics;
import com.typesafe.config.Config;
import io.prometheus.metrics.core.metrics.GaugeWithCallback;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.function.Predicate;

/**
 * The circuit breakers of a node, one per dependency, created on first use with the settings of
 * {@code ates.breakers} ({@code resilience.conf}) and exported as {@code
 * ates_circuit_breaker_state{dependency}} (0 closed, 1 half-open, 2 open).
 *
 * <ul>
 *   <li>{@code db-<service>}: a service's database, in front of its entity asks (journal) and its
 *       read-model queries;
 *   <li>{@code kafka}: the node's producer;
 *   <li>{@code smtp}: the SMTP server of the payout mails.
 * </ul>
 */
public final class Breakers implements Extension {

  private static final ExtensionId<Breakers> ID =
      new ExtensionId<>() {
        @Override
        public Breakers createExtension(ActorSystem<?> system) {
          return new Breakers(system);
        }
      };

  public static Breakers get(ActorSystem<?> system) {
    return system.registerExtension(ID);
  }

  private final ActorSystem<?> system;
  private final Config settings;
  private final ConcurrentMap<String, Breaker> breakers = new ConcurrentHashMap<>();

  private Breakers(ActorSystem<?> system) {
    this.system = system;
    this.settings = system.settings().config().getConfig("ates.breakers");
    GaugeWithCallback.builder()
        .name("ates_circuit_breaker_state")
        .help("State of a circuit breaker, by dependency: 0 closed, 1 half-open, 2 open")
        .labelNames("dependency")
        .callback(
            cb -> {
              for (Breaker b : breakers.values()) cb.call(b.state().gaugeValue, b.dependency());
            })
        .register(Metrics.of(system).registry());
  }

  /** The breaker of a service's database. */
  public Breaker database(String service) {
    return breaker("db-" + service, "database", Breaker::notADomainAnswer);
  }

  /** The breaker of the node's Kafka producer. */
  public Breaker kafka() {
    return breaker("kafka", "kafka", Breaker::notADomainAnswer);
  }

  /**
   * The breaker of the SMTP server: a recipient the server refuses is that mail's problem, not the
   * server's, so it does not count.
   */
  public Breaker smtp() {
    return breaker(
        "smtp",
        "smtp",
        t ->
            !(t instanceof jakarta.mail.SendFailedException)
                && !(t instanceof jakarta.mail.internet.AddressException));
  }

  public Collection<Breaker> all() {
    return List.copyOf(breakers.values());
  }

  private Breaker breaker(String dependency, String kind, Predicate<Throwable> isFailure) {
    return breakers.computeIfAbsent(
        dependency,
        d ->
            new Breaker(
                system,
                d,
                settings.getConfig(kind).withFallback(settings.getConfig("default")),
                isFailure));
  }
}
