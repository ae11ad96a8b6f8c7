package ates.platform.resilience;

import akka.actor.typed.ActorSystem;
import akka.pattern.CircuitBreaker;
import akka.pattern.CircuitBreakerOpenException;
import ates.platform.EntityError;
import ates.platform.http.ProblemException;
import com.typesafe.config.Config;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.function.Predicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An Akka {@link CircuitBreaker} in front of one dependency (a service's database, the Kafka
 * producer, SMTP). Closed: calls go through, and {@code max-failures} failures in a row (or calls
 * slower than {@code call-timeout}) open it. Open: every call fails at once with {@link
 * CircuitBreakerOpenException} (the HTTP layer answers 503 with Retry-After) until the reset
 * timeout has passed; then half-open: one call probes the dependency, success closes the breaker,
 * failure opens it again for an exponentially longer (jittered) time, up to {@code
 * max-reset-timeout}. Only failures of the dependency count: an answer that is an error of the
 * domain ({@link EntityError}, a {@link ProblemException}) is a success for the breaker.
 */
public final class Breaker {

  /** The breaker's state, exported as {@code ates_circuit_breaker_state}. */
  public enum State {
    CLOSED(0),
    HALF_OPEN(1),
    OPEN(2);

    public final int gaugeValue;

    State(int gaugeValue) {
      this.gaugeValue = gaugeValue;
    }
  }

  private static final Logger log = LoggerFactory.getLogger(Breaker.class);

  private final String dependency;
  private final CircuitBreaker breaker;
  private final Predicate<Throwable> countsAsFailure;
  private volatile State state = State.CLOSED;

  Breaker(
      ActorSystem<?> system, String dependency, Config settings, Predicate<Throwable> isFailure) {
    this.dependency = dependency;
    this.countsAsFailure = isFailure;
    this.breaker =
        CircuitBreaker.create(
                system.classicSystem().scheduler(),
                settings.getInt("max-failures"),
                settings.getDuration("call-timeout"),
                settings.getDuration("reset-timeout"))
            .withExponentialBackoff(settings.getDuration("max-reset-timeout"))
            .withRandomFactor(settings.getDouble("random-factor"))
            .addOnOpenListener(() -> changed(State.OPEN))
            .addOnHalfOpenListener(() -> changed(State.HALF_OPEN))
            .addOnCloseListener(() -> changed(State.CLOSED));
  }

  private void changed(State next) {
    State previous = state;
    state = next;
    if (next == State.OPEN) {
      log.warn(
          "Circuit breaker {} {} -> OPEN: calls fail fast until a probe succeeds",
          dependency,
          previous);
    } else {
      log.info("Circuit breaker {} {} -> {}", dependency, previous, next);
    }
  }

  public String dependency() {
    return dependency;
  }

  public State state() {
    return state;
  }

  /** Runs an asynchronous call through the breaker. */
  public <T> CompletionStage<T> call(Callable<CompletionStage<T>> body) {
    // Akka hands the result to the failure function as Optional.of(result): a null result (a
    // CompletionStage<Void>) would throw there, and the call would count neither way, so a probe
    // could never close the breaker. The breaker sees every result in a box.
    return breaker
        .callWithCircuitBreakerCS(() -> body.call().thenApply(Boxed::new), this::isFailure)
        .thenApply(Boxed::value);
  }

  /**
   * Runs a blocking call through the breaker, on the calling thread; its exceptions come out
   * unchanged (a checked one too), or {@link CircuitBreakerOpenException} when open.
   */
  public <T> T callSync(Callable<T> body) {
    return breaker
        .callWithSyncCircuitBreaker(() -> new Boxed<>(body.call()), this::isFailure)
        .value();
  }

  /** A result, possibly null, as the breaker's failure function needs it: never null itself. */
  private record Boxed<T>(T value) {}

  private <T> Boolean isFailure(Optional<T> result, Optional<Throwable> failure) {
    return failure.map(t -> countsAsFailure.test(unwrap(t))).orElse(false);
  }

  /** The default rule: everything but an answer of the domain is a failure of the dependency. */
  static boolean notADomainAnswer(Throwable t) {
    return !(t instanceof EntityError.Failure) && !(t instanceof ProblemException);
  }

  static Throwable unwrap(Throwable t) {
    Throwable c = t;
    while ((c instanceof CompletionException || c instanceof ExecutionException)
        && c.getCause() != null) {
      c = c.getCause();
    }
    return c;
  }
}
