package ates.platform.resilience;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import akka.actor.testkit.typed.javadsl.ActorTestKit;
import akka.pattern.CircuitBreakerOpenException;
import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/** The breaker's states with real Akka scheduling: open after failures, closed by a probe. */
class BreakerTest {

  private static final ActorTestKit testKit = ActorTestKit.create();

  private static final Config SETTINGS =
      ConfigFactory.parseString(
          "max-failures = 2, call-timeout = 1s, reset-timeout = 200ms,"
              + " max-reset-timeout = 1s, random-factor = 0.0");

  @AfterAll
  static void stop() {
    testKit.shutdownTestKit();
  }

  @Test
  void a_probe_whose_answer_is_null_closes_the_breaker() throws Exception {
    Breaker breaker = new Breaker(testKit.system(), "test", SETTINGS, Breaker::notADomainAnswer);
    for (int i = 0; i < 2; i++) {
      assertThrows(
          ExecutionException.class,
          () ->
              breaker
                  .call(() -> CompletableFuture.failedFuture(new IllegalStateException("down")))
                  .toCompletableFuture()
                  .get(5, TimeUnit.SECONDS));
    }
    assertEquals(Breaker.State.OPEN, breaker.state());
    ExecutionException open =
        assertThrows(
            ExecutionException.class,
            () ->
                breaker
                    .call(() -> CompletableFuture.completedFuture("never called"))
                    .toCompletableFuture()
                    .get(5, TimeUnit.SECONDS));
    assertEquals(CircuitBreakerOpenException.class, open.getCause().getClass());

    await().atMost(Duration.ofSeconds(5)).until(() -> breaker.state() == Breaker.State.HALF_OPEN);
    Void answer =
        breaker
            .<Void>call(() -> CompletableFuture.completedFuture(null))
            .toCompletableFuture()
            .get(5, TimeUnit.SECONDS);
    assertNull(answer);
    await().atMost(Duration.ofSeconds(5)).until(() -> breaker.state() == Breaker.State.CLOSED);
    assertNull(breaker.callSync(() -> null), "a blocking call may answer null too");
    assertEquals(Breaker.State.CLOSED, breaker.state());
  }
}
