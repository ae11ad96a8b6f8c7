package ates.analytics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import akka.actor.testkit.typed.javadsl.ActorTestKit;
import akka.actor.testkit.typed.javadsl.TestProbe;
import akka.actor.typed.ActorRef;
import ates.contract.EventJson;
import ates.contract.Topics;
import ates.contract.events.TransactionCreatedV1;
import ates.platform.db.ServiceDatabase;
import ates.testing.ReadModelTestKit;
import ates.testing.TestInfra;
import com.fasterxml.jackson.core.JsonProcessingException;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The day actors over a real analytics database (embedded PostgreSQL, no Kafka): given records
 * stored by the ingestion's store, when changes are told to {@link Days}, then what a day answers.
 */
class DaysTest {

  private static final LocalDate SUNDAY = LocalDate.of(2024, 3, 3);
  private static final LocalDate MONDAY = LocalDate.of(2024, 3, 4);
  private static final LocalDate TUESDAY = LocalDate.of(2024, 3, 5);
  private static final String PARTITION =
      AnalyticsStore.partitionKey(Topics.TRANSACTION_CREATED, 0);
  private static ActorTestKit testKit;

  private final UUID alice = UUID.randomUUID();
  private ServiceDatabase database;
  private AnalyticsStore store;
  private ActorRef<Days.Command> days;

  @BeforeAll
  static void startTestKit() {
    testKit = ReadModelTestKit.actorTestKit("DaysTest");
  }

  @AfterAll
  static void stopTestKit() {
    testKit.shutdownTestKit();
  }

  @BeforeEach
  void start() {
    database = TestInfra.freshDatabase(AnalyticsService.NAME);
    database.useDispatcherOf(testKit.system());
    store = new AnalyticsStore(database);
    days =
        testKit.spawn(
            Days.create(store, new Day.Timing(Duration.ofMinutes(5), Duration.ofMinutes(5))));
  }

  @AfterEach
  void stop() {
    if (days != null) testKit.stop(days);
    if (database != null) database.close();
  }

  @Test
  void a_day_starts_from_the_database_and_never_counts_a_stored_record_twice() {
    givenStored(0, transaction("fee:1", "assignment_fee", "debit", 1500, MONDAY));

    assertEquals(1500, day(MONDAY).fees());
    // the ingestion reports the record it stored at offset 0 only now: already in the figures
    days.tell(changed(MONDAY, 0, new Day.FiguresDelta(1500, 0, 0, 0, null), -1500));
    days.tell(changed(MONDAY, 1, new Day.FiguresDelta(0, 3000, 0, 0, null), 3000));

    DayFigures monday = day(MONDAY);
    assertEquals(1500, monday.fees());
    assertEquals(3000, monday.rewards());
    assertEquals(Map.of(alice, 1500L), monday.endOfDayBalances());
  }

  @Test
  void a_movement_changes_its_days_figures_and_the_balances_of_every_later_day_only() {
    day(SUNDAY);
    day(MONDAY);
    day(TUESDAY);

    days.tell(changed(MONDAY, 0, new Day.FiguresDelta(1500, 0, 0, 0, null), -1500));

    DayFigures sunday = day(SUNDAY);
    DayFigures monday = day(MONDAY);
    DayFigures tuesday = day(TUESDAY);
    assertEquals(Map.of(), sunday.endOfDayBalances());
    assertEquals(Map.of(alice, -1500L), monday.endOfDayBalances());
    assertEquals(Map.of(alice, -1500L), tuesday.endOfDayBalances());
    assertEquals(1500, monday.fees());
    assertEquals(0, tuesday.fees());
    assertEquals(0, sunday.fees());
  }

  @Test
  void a_completed_task_counts_once_and_is_the_most_expensive_of_its_day() {
    UUID task = UUID.randomUUID();
    DayFigures.TaskFigure figure =
        new DayFigures.TaskFigure(
            task, "Fix", "ATES-1", 4000, Instant.parse("2024-03-04T10:00:00Z"));
    day(MONDAY);

    Day.FiguresDelta completion = new Day.FiguresDelta(0, 0, 1, 4000, figure);
    days.tell(new Days.Changed(MONDAY, PARTITION, 0, completion, null));
    days.tell(new Days.Changed(MONDAY, PARTITION, 0, completion, null));

    DayFigures monday = day(MONDAY);
    assertEquals(1, monday.completedTasks());
    assertEquals(4000, monday.averageReward());
    assertEquals(figure, monday.mostExpensive());
    assertNull(day(TUESDAY).mostExpensive());
  }

  private Days.Changed changed(LocalDate day, long offset, Day.FiguresDelta figures, long signed) {
    return new Days.Changed(day, PARTITION, offset, figures, new Day.BalanceDelta(alice, signed));
  }

  private DayFigures day(LocalDate date) {
    TestProbe<DayFigures> probe = testKit.createTestProbe();
    days.tell(new Days.GetDay(date, probe.ref()));
    return probe.receiveMessage(Duration.ofSeconds(10));
  }

  private void givenStored(long offset, TransactionCreatedV1 e) {
    store
        .apply(
            Ingestion.CONSUMER,
            Topics.TRANSACTION_CREATED,
            0,
            offset,
            List.of(new AnalyticsStore.Transaction(e)))
        .toCompletableFuture()
        .orTimeout(10, TimeUnit.SECONDS)
        .join();
  }

  /** A TransactionCreated as a consumer reads it: from its JSON. */
  private TransactionCreatedV1 transaction(
      String id, String type, String direction, long amount, LocalDate day) {
    String json =
        String.format(
            "{\"transactionId\":\"%s\",\"accountId\":\"%s\",\"type\":\"%s\",\"direction\":\"%s\","
                + "\"amount\":%d,\"balanceAfter\":0,\"taskId\":null,\"description\":\"d\","
                + "\"billingDate\":\"%s\",\"createdAt\":\"%sT10:00:00Z\"}",
            id, alice, type, direction, amount, day, day);
    try {
      return EventJson.MAPPER.readValue(json, TransactionCreatedV1.class);
    } catch (JsonProcessingException e) {
      throw new IllegalArgumentException(json, e);
    }
  }
}
