package ates.analytics;

import static org.junit.jupiter.api.Assertions.assertEquals;

import akka.actor.testkit.typed.javadsl.ActorTestKit;
import akka.actor.testkit.typed.javadsl.TestProbe;
import akka.actor.typed.ActorRef;
import ates.contract.Topics;
import java.time.Duration;
import java.time.LocalDate;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/**
 * A day actor while it restores, with reads of the database it is given by the test (each read an
 * uncompleted future the test completes): changes beyond its stash are not lost, they make it read
 * again, and only the latest read counts.
 */
class DayRestoreTest {

  private static final ActorTestKit testKit = ActorTestKit.create("DayRestoreTest");
  private static final LocalDate MONDAY = LocalDate.of(2024, 3, 4);
  private static final String PARTITION =
      AnalyticsStore.partitionKey(Topics.TRANSACTION_CREATED, 0);
  private static final Duration WAIT = Duration.ofSeconds(5);

  private final LinkedBlockingQueue<CompletableFuture<AnalyticsStore.Loaded>> reads =
      new LinkedBlockingQueue<>();

  @AfterAll
  static void stop() {
    testKit.shutdownTestKit();
  }

  private ActorRef<Day.Command> day(int stashCapacity) {
    return day(stashCapacity, Duration.ofMinutes(5));
  }

  private ActorRef<Day.Command> day(int stashCapacity, Duration refreshInterval) {
    TestProbe<Days.Command> parent = testKit.createTestProbe();
    return testKit.spawn(
        Day.create(
            MONDAY,
            date -> {
              CompletableFuture<AnalyticsStore.Loaded> read = new CompletableFuture<>();
              reads.add(read);
              return read;
            },
            new Day.Timing(Duration.ofMinutes(5), refreshInterval),
            parent.ref(),
            stashCapacity));
  }

  private CompletableFuture<AnalyticsStore.Loaded> nextRead() throws InterruptedException {
    CompletableFuture<AnalyticsStore.Loaded> read =
        reads.poll(WAIT.toMillis(), TimeUnit.MILLISECONDS);
    if (read == null) throw new AssertionError("the day did not read the database");
    return read;
  }

  /** The figures stored once records up to {@code nextOffset} - 1 were applied, 100 each. */
  private static AnalyticsStore.Loaded stored(long nextOffset) {
    return new AnalyticsStore.Loaded(
        new DayFigures(MONDAY, 100 * nextOffset, 0, 0, 0, null, Map.of()),
        nextOffset == 0 ? Map.of() : Map.of(PARTITION, nextOffset));
  }

  private static Day.Change fee(long offset) {
    return new Day.Change(PARTITION, offset, new Day.FiguresDelta(100, 0, 0, 0, null));
  }

  @Test
  void a_change_beyond_the_stash_makes_the_day_read_again_and_none_is_lost_or_counted_twice()
      throws Exception {
    ActorRef<Day.Command> day = day(3);
    CompletableFuture<AnalyticsStore.Loaded> first = nextRead();
    TestProbe<DayFigures> asker = testKit.createTestProbe();
    day.tell(new Day.Get(asker.ref()));
    // records 0..4 are stored (and told) while the first read runs, after its snapshot
    for (long offset = 0; offset < 5; offset++) day.tell(fee(offset));

    first.complete(stored(0));
    // the stash held only two of them: the first read's figures would lack the others
    CompletableFuture<AnalyticsStore.Loaded> second = nextRead();
    asker.expectNoMessage(Duration.ofMillis(200));

    second.complete(stored(5));
    assertEquals(500, asker.receiveMessage(WAIT).fees());

    // records told again are skipped; a new one counts
    day.tell(fee(4));
    day.tell(fee(5));
    day.tell(new Day.Get(asker.ref()));
    assertEquals(600, asker.receiveMessage(WAIT).fees());
    assertEquals(0, reads.size(), "no further read");
  }

  @Test
  void within_its_stash_a_day_reads_once_and_applies_what_came_after_the_read() throws Exception {
    ActorRef<Day.Command> day = day(100);
    CompletableFuture<AnalyticsStore.Loaded> first = nextRead();
    TestProbe<DayFigures> asker = testKit.createTestProbe();
    for (long offset = 0; offset < 5; offset++) day.tell(fee(offset));
    day.tell(new Day.Get(asker.ref()));

    // the read saw records 0..2; 3 and 4 were stored after its snapshot
    first.complete(stored(3));
    assertEquals(500, asker.receiveMessage(WAIT).fees());
    assertEquals(0, reads.size(), "read once");
  }

  @Test
  void a_failed_read_restarts_the_day_which_reads_again() throws Exception {
    ActorRef<Day.Command> day = day(100);
    nextRead().completeExceptionally(new IllegalStateException("database down"));

    CompletableFuture<AnalyticsStore.Loaded> again = nextRead();
    again.complete(stored(2));
    TestProbe<DayFigures> asker = testKit.createTestProbe();
    day.tell(new Day.Get(asker.ref()));
    assertEquals(200, asker.receiveMessage(WAIT).fees());
  }

  @Test
  void a_query_after_the_refresh_interval_reads_the_figures_again_and_keeps_later_changes()
      throws Exception {
    // every query is past the interval
    ActorRef<Day.Command> day = day(100, Duration.ZERO);
    nextRead().complete(stored(1));
    // record 1 is stored, but its change was told to an actor that no longer exists

    TestProbe<DayFigures> asker = testKit.createTestProbe();
    day.tell(new Day.Get(asker.ref()));
    CompletableFuture<AnalyticsStore.Loaded> refresh = reads.poll(1, TimeUnit.SECONDS);
    if (refresh == null) {
      // the query reached the day before the first read's answer did: it waited for that read and
      // is answered from it; the next query finds the figures past the interval
      assertEquals(100, asker.receiveMessage(WAIT).fees());
      day.tell(new Day.Get(asker.ref()));
      refresh = nextRead();
    }
    asker.expectNoMessage(Duration.ofMillis(100));
    day.tell(fee(2)); // stored after the refresh's snapshot
    TestProbe<DayFigures> later = testKit.createTestProbe();
    day.tell(new Day.Get(later.ref()));
    refresh.complete(stored(2));
    // each query is answered in its turn: record 1 read from the database, record 2 as told
    assertEquals(200, asker.receiveMessage(WAIT).fees());
    assertEquals(300, later.receiveMessage(WAIT).fees());
    assertEquals(0, reads.size(), "the queries that waited for the read did not read again");
  }
}
