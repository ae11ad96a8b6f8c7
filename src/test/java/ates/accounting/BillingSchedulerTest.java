package ates.accounting;

import static org.junit.jupiter.api.Assertions.assertEquals;

import akka.actor.testkit.typed.javadsl.ActorTestKit;
import akka.actor.testkit.typed.javadsl.TestProbe;
import akka.actor.typed.ActorRef;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** When the scheduler closes which day: its calendar, and its steps with the days faked. */
class BillingSchedulerTest {

  private static final ZoneId BERLIN = ZoneId.of("Europe/Berlin");
  private static ActorTestKit testKit;

  @BeforeAll
  static void startTestKit() {
    testKit = ActorTestKit.create("BillingSchedulerTest");
  }

  @AfterAll
  static void stopTestKit() {
    testKit.shutdownTestKit();
  }

  private static BillingScheduler.Calendar at(String instant, ZoneId zone) {
    return new BillingScheduler.Calendar(zone, Clock.fixed(Instant.parse(instant), ZoneOffset.UTC));
  }

  @Test
  void the_day_in_progress_closes_a_second_after_its_midnight_in_the_billing_zone() {
    // 23:30 in Berlin on the eve of the switch to summer time
    var calendar = at("2026-03-28T22:30:00Z", BERLIN);

    assertEquals(
        new BillingScheduler.NextClose(LocalDate.parse("2026-03-28"), Duration.ofSeconds(1801)),
        calendar.nextClose());
    assertEquals(LocalDate.parse("2026-03-27"), calendar.yesterday());
  }

  @Test
  void a_day_that_lasts_23_hours_closes_after_23_hours() {
    var calendar = at("2026-03-28T23:00:00Z", BERLIN); // midnight in Berlin

    assertEquals(
        new BillingScheduler.NextClose(
            LocalDate.parse("2026-03-29"), Duration.ofHours(23).plusSeconds(1)),
        calendar.nextClose());
  }

  @Test
  void yesterday_is_the_billing_zone_s_yesterday() {
    // already the 2nd in UTC, still the 1st in New York
    var calendar = at("2026-07-02T01:00:00Z", ZoneId.of("America/New_York"));

    assertEquals(LocalDate.parse("2026-06-30"), calendar.yesterday());
  }

  /**
   * Days that report each close asked (and fail every close if told); listing the unfinished ones
   * fails first if told.
   */
  private record FakeDays(
      ActorRef<LocalDate> closes,
      List<LocalDate> running,
      AtomicBoolean fail,
      Optional<LocalDate> lastClosedDay,
      boolean closesFail)
      implements BillingScheduler.Days {

    FakeDays(ActorRef<LocalDate> closes, List<LocalDate> running, AtomicBoolean fail) {
      this(closes, running, fail, Optional.empty(), false);
    }

    @Override
    public CompletionStage<BillingDay.Result> close(LocalDate day) {
      closes.tell(day);
      if (closesFail) return CompletableFuture.failedFuture(new IllegalStateException("timeout"));
      return CompletableFuture.completedFuture(new BillingDay.Result(day, List.of()));
    }

    @Override
    public CompletionStage<Optional<LocalDate>> lastClosed() {
      return CompletableFuture.completedFuture(lastClosedDay);
    }

    @Override
    public CompletionStage<List<LocalDate>> unfinished() {
      if (fail.getAndSet(false)) {
        return CompletableFuture.failedFuture(new IllegalStateException("database down"));
      }
      return CompletableFuture.completedFuture(running);
    }
  }

  @Test
  void on_start_it_closes_yesterday_and_resumes_every_unfinished_day_once_it_can_list_them() {
    TestProbe<LocalDate> closes = testKit.createTestProbe();
    LocalDate today = LocalDate.now(BERLIN);
    List<LocalDate> unfinished = List.of(today.minusDays(5), today.minusDays(3));
    var days = new FakeDays(closes.ref(), unfinished, new AtomicBoolean(true));

    var scheduler =
        testKit.spawn(
            BillingScheduler.create(BERLIN, Clock.systemUTC(), Duration.ofMillis(50), days));

    assertEquals(today.minusDays(1), closes.receiveMessage());
    // the first listing fails: nothing is closed for it, the next interval lists again
    assertEquals(Set.copyOf(unfinished), Set.copyOf(closes.receiveSeveralMessages(2)));
    testKit.stop(scheduler);
  }

  @Test
  void on_start_it_closes_every_day_missed_since_the_last_closed_one_oldest_first() {
    TestProbe<LocalDate> closes = testKit.createTestProbe();
    LocalDate today = LocalDate.now(BERLIN);
    var days =
        new FakeDays(
            closes.ref(), List.of(), new AtomicBoolean(), Optional.of(today.minusDays(4)), false);

    var scheduler =
        testKit.spawn(
            BillingScheduler.create(BERLIN, Clock.systemUTC(), Duration.ofHours(1), days));

    assertEquals(
        List.of(today.minusDays(3), today.minusDays(2), today.minusDays(1)),
        closes.receiveSeveralMessages(3));
    testKit.stop(scheduler);
  }

  @Test
  void a_start_after_a_long_outage_closes_at_most_the_last_31_days() {
    TestProbe<LocalDate> closes = testKit.createTestProbe();
    LocalDate today = LocalDate.now(BERLIN);
    var days =
        new FakeDays(
            closes.ref(), List.of(), new AtomicBoolean(), Optional.of(today.minusDays(100)), false);

    var scheduler =
        testKit.spawn(
            BillingScheduler.create(BERLIN, Clock.systemUTC(), Duration.ofHours(1), days));

    List<LocalDate> closed = closes.receiveSeveralMessages(BillingScheduler.MAX_CATCH_UP_DAYS);
    assertEquals(today.minusDays(BillingScheduler.MAX_CATCH_UP_DAYS), closed.get(0));
    assertEquals(today.minusDays(1), closed.get(closed.size() - 1));
    closes.expectNoMessage(Duration.ofMillis(300));
    testKit.stop(scheduler);
  }

  @Test
  void the_next_midnight_is_armed_even_when_a_close_keeps_failing() {
    TestProbe<LocalDate> closes = testKit.createTestProbe();
    // a clock that stays half a second before midnight in Berlin: each midnight comes 1.5 s later
    Clock beforeMidnight = Clock.fixed(Instant.parse("2026-05-10T21:59:59.500Z"), ZoneOffset.UTC);
    LocalDate day = LocalDate.parse("2026-05-10");
    var days =
        new FakeDays(
            closes.ref(), List.of(), new AtomicBoolean(), Optional.of(day.minusDays(1)), true);

    var scheduler =
        testKit.spawn(BillingScheduler.create(BERLIN, beforeMidnight, Duration.ofHours(1), days));

    // nothing missed on start; then the day that ends, and, though its close failed, the next
    // midnight (the same day again under a clock that does not move)
    assertEquals(day, closes.receiveMessage(Duration.ofSeconds(5)));
    assertEquals(day, closes.receiveMessage(Duration.ofSeconds(5)));
    testKit.stop(scheduler);
  }
}
