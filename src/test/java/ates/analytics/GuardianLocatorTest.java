package ates.analytics;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import akka.actor.testkit.typed.javadsl.ActorTestKit;
import akka.actor.testkit.typed.javadsl.TestProbe;
import akka.actor.typed.ActorRef;
import akka.actor.typed.receptionist.Receptionist;
import java.time.Duration;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/**
 * The queries' way to the analytics guardian: a guardian stopped and started again in place (as the
 * singleton manager does when its lease is lost and acquired again) is found again, where Akka's
 * singleton proxy would keep buffering.
 */
class GuardianLocatorTest {

  private static final ActorTestKit testKit = ActorTestKit.create("GuardianLocatorTest");
  private static final Duration WAIT = Duration.ofSeconds(10);

  @AfterAll
  static void stop() {
    testKit.shutdownTestKit();
  }

  private static void register(ActorRef<AnalyticsGuardian.Command> guardian) {
    testKit.system().receptionist().tell(Receptionist.register(GuardianLocator.KEY, guardian));
  }

  @Test
  void a_guardian_started_again_is_found_again_and_none_while_there_is_none() {
    GuardianLocator locator = GuardianLocator.start(testKit.system());
    assertTrue(locator.current().isEmpty(), "no guardian yet");

    TestProbe<AnalyticsGuardian.Command> first = testKit.createTestProbe();
    register(first.ref());
    await().atMost(WAIT).until(() -> locator.current().equals(Optional.of(first.ref())));

    // the lease lost: the guardian stops, and no query is sent to it any more
    first.stop();
    await().atMost(WAIT).until(() -> locator.current().isEmpty());

    // the lease acquired again: a new guardian at the same place
    TestProbe<AnalyticsGuardian.Command> second = testKit.createTestProbe();
    register(second.ref());
    await().atMost(WAIT).until(() -> locator.current().isPresent());
    assertEquals(second.ref(), locator.current().get());
  }
}
