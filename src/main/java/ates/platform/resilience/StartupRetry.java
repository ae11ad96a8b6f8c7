package ates.platform.resilience;

import com.typesafe.config.Config;
import java.net.ConnectException;
import java.sql.SQLException;
import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.ThreadLocalRandom;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Start-up of a node whose database or Kafka is not up yet: each step that needs one (creating and
 * migrating a service's database, creating the topics) is tried again with jittered exponential
 * backoff while the dependency cannot be reached, instead of the node exiting. The node is not
 * ready meanwhile (its readiness is set only once every service has started). Only "cannot reach
 * it" is retried: a refused connection, a server starting up, a timeout. Anything else (a wrong
 * password, a failed migration) fails the start at once.
 */
public final class StartupRetry {

  private static final Logger log = LoggerFactory.getLogger(StartupRetry.class);

  private final Duration initialBackoff;
  private final Duration maxBackoff;
  private final Duration maxWait;

  /** {@code ates.startup}: initial-backoff, max-backoff, max-wait (0: wait for ever). */
  public StartupRetry(Config settings) {
    this(
        settings.getDuration("initial-backoff"),
        settings.getDuration("max-backoff"),
        settings.getDuration("max-wait"));
  }

  public StartupRetry(Duration initialBackoff, Duration maxBackoff, Duration maxWait) {
    this.initialBackoff = initialBackoff;
    this.maxBackoff = maxBackoff;
    this.maxWait = maxWait;
  }

  /** Runs {@code step} until it succeeds, waiting between attempts while {@code what} is down. */
  public <T> T until(String what, Callable<T> step) throws Exception {
    long start = System.nanoTime();
    for (int attempt = 1; ; attempt++) {
      try {
        T result = step.call();
        if (attempt > 1) log.info("{} is available after {} attempts", what, attempt);
        return result;
      } catch (Exception e) {
        Duration waited = Duration.ofNanos(System.nanoTime() - start);
        if (!unreachable(e)) throw e;
        if (!maxWait.isZero() && waited.compareTo(maxWait) >= 0) {
          log.error("{} still not available after {}; giving up", what, waited);
          throw e;
        }
        Duration delay = backoff(attempt);
        log.warn(
            "{} not available yet (attempt {}, {}); next attempt in {} ms",
            what,
            attempt,
            rootMessage(e),
            delay.toMillis());
        Thread.sleep(delay.toMillis()); // start-up thread: nothing else to do until it is up
      }
    }
  }

  /** Exponential from the initial backoff, capped, with "equal jitter": between half and all. */
  Duration backoff(int attempt) {
    double exp = initialBackoff.toMillis() * Math.pow(2, Math.min(attempt - 1, 20));
    long capped = (long) Math.min(exp, maxBackoff.toMillis());
    long half = Math.max(1, capped / 2);
    return Duration.ofMillis(half + ThreadLocalRandom.current().nextLong(half + 1));
  }

  /** Whether a failure means the dependency cannot be reached (yet), as opposed to a real error. */
  public static boolean unreachable(Throwable t) {
    for (Throwable c = t; c != null; c = c.getCause()) {
      if (c instanceof ConnectException) return true;
      if (c instanceof java.util.concurrent.TimeoutException) return true;
      if (c instanceof org.apache.kafka.common.errors.RetriableException) return true;
      if (c instanceof java.sql.SQLTransientConnectionException) return true;
      if (c instanceof SQLException s && s.getSQLState() != null) {
        String state = s.getSQLState();
        // 08: connection exception; 57P03: cannot connect now (starting up or shutting down)
        if (state.startsWith("08") || state.equals("57P03")) return true;
      }
      if (c.getCause() == c) break;
    }
    return false;
  }

  private static String rootMessage(Throwable t) {
    Throwable c = t;
    while (c.getCause() != null && c.getCause() != c) c = c.getCause();
    return c.getClass().getSimpleName() + ": " + c.getMessage();
  }
}
