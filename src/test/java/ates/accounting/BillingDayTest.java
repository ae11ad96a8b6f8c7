package ates.accounting;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import akka.actor.testkit.typed.javadsl.ActorTestKit;
import akka.actor.testkit.typed.javadsl.TestProbe;
import akka.pattern.StatusReply;
import akka.persistence.testkit.javadsl.EventSourcedBehaviorTestKit;
import ates.accounting.BillingDay.AccountSettled;
import ates.accounting.BillingDay.Finished;
import ates.accounting.BillingDay.Payout;
import ates.accounting.BillingDay.Started;
import ates.platform.JournaledEntity;
import ates.testing.EntityTestKits;
import java.time.Duration;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The close of a billing day, given / when / then, with the accounts side faked and the
 * serialization of commands, events and state verified.
 */
class BillingDayTest {

  private static final AtomicInteger DAYS = new AtomicInteger();
  private static ActorTestKit testKit;

  /** Each test its own day, so that no two tests share a journal. */
  private final LocalDate day = LocalDate.parse("2026-01-01").plusDays(DAYS.incrementAndGet());

  private final UUID alice = UUID.randomUUID();
  private final UUID bob = UUID.randomUUID();
  private final UUID carol = UUID.randomUUID();
  private final FakeAccounts accounts = new FakeAccounts();
  private EventSourcedBehaviorTestKit<BillingDay.Command, BillingDay.Event, BillingDay.State> kit;

  @BeforeAll
  static void startTestKit() {
    testKit = EntityTestKits.create("BillingDayTest");
  }

  @AfterAll
  static void stopTestKit() {
    testKit.shutdownTestKit();
  }

  /** The accounts side: each account's payout when its day is closed, and what was asked. */
  private static final class FakeAccounts implements BillingDayCloser.Accounts {
    final Map<UUID, Long> payouts = new LinkedHashMap<>();
    final List<UUID> asked = new CopyOnWriteArrayList<>();
    final Set<UUID> failOnce = ConcurrentHashMap.newKeySet();
    final Map<UUID, CompletableFuture<Long>> held = new ConcurrentHashMap<>();
    final AtomicBoolean listingFailsOnce = new AtomicBoolean();

    @Override
    public CompletionStage<List<UUID>> candidates() {
      if (listingFailsOnce.getAndSet(false)) {
        return CompletableFuture.failedFuture(new IllegalStateException("database down"));
      }
      return CompletableFuture.completedFuture(List.copyOf(payouts.keySet()));
    }

    @Override
    public CompletionStage<Long> closeDay(UUID accountId, LocalDate day) {
      asked.add(accountId);
      if (failOnce.remove(accountId)) {
        return CompletableFuture.failedFuture(new IllegalStateException("ask timed out"));
      }
      CompletableFuture<Long> hold = held.remove(accountId);
      return hold != null ? hold : CompletableFuture.completedFuture(payouts.get(accountId));
    }
  }

  private void givenAccounts(Map<UUID, Long> payouts) {
    accounts.payouts.putAll(payouts);
    kit =
        EventSourcedBehaviorTestKit.create(
            testKit.system(),
            BillingDay.create(
                day.toString(),
                accounts,
                new BillingDayCloser.Pace(2, Duration.ofMillis(20)),
                JournaledEntity.Journal.DEFAULT));
  }

  private EventSourcedBehaviorTestKit.CommandResultWithReply<
          BillingDay.Command, BillingDay.Event, BillingDay.State, StatusReply<BillingDay.Result>>
      close() {
    return kit.runCommand(BillingDay.Close::new);
  }

  private List<Payout> payouts(Map<UUID, Long> paid) {
    return paid.entrySet().stream()
        .filter(e -> e.getValue() > 0)
        .map(e -> new Payout(e.getKey(), e.getValue()))
        .sorted(Comparator.comparing(Payout::userId))
        .toList();
  }

  private List<Object> journal() {
    return kit.persistenceTestKit().persistedInStorage("BillingDay|" + day);
  }

  private List<UUID> settledAccounts(List<?> events) {
    List<UUID> settled = new ArrayList<>();
    for (Object e : events) {
      if (e instanceof AccountSettled s) settled.add(s.accountId());
    }
    return settled;
  }

  @Test
  void a_new_day_lists_the_accounts_closes_each_and_answers_the_payouts() {
    givenAccounts(Map.of(alice, 3000L, bob, 0L, carol, 1200L));

    var result = close();

    List<BillingDay.Event> events = result.events();
    assertEquals(new Started(day, List.copyOf(accounts.payouts.keySet())), events.get(0));
    assertEquals(
        Set.of(
            new AccountSettled(day, alice, 3000),
            new AccountSettled(day, bob, 0),
            new AccountSettled(day, carol, 1200)),
        Set.copyOf(events.subList(1, 4)));
    assertEquals(new Finished(day), events.get(4));
    assertEquals(5, events.size());
    assertEquals(new BillingDay.Result(day, payouts(accounts.payouts)), result.reply().getValue());
    assertInstanceOf(BillingDay.Closed.class, result.state());
  }

  @Test
  void a_day_without_accounts_closes_at_once() {
    givenAccounts(Map.of());

    var result = close();

    assertEquals(List.of(new Started(day, List.of()), new Finished(day)), result.events());
    assertEquals(List.of(), result.reply().getValue().payouts());
  }

  @Test
  void a_resumed_close_closes_only_the_accounts_not_yet_recorded() {
    givenAccounts(Map.of(alice, 9999L, bob, 500L, carol, 0L));
    kit.initialize(
        new Started(day, List.of(alice, bob, carol)), new AccountSettled(day, alice, 3000));

    var result = close();

    assertEquals(
        payouts(Map.of(alice, 3000L, bob, 500L, carol, 0L)), result.reply().getValue().payouts());
    assertEquals(Set.of(bob, carol), Set.copyOf(accounts.asked));
    assertEquals(2, accounts.asked.size());
    List<Object> journal = journal();
    assertEquals(3, settledAccounts(journal).size());
    assertEquals(new Finished(day), journal.get(journal.size() - 1));
  }

  @Test
  void closing_a_closed_day_answers_the_same_payouts_and_persists_nothing() {
    givenAccounts(Map.of(alice, 9999L, bob, 9999L));
    kit.initialize(
        new Started(day, List.of(alice, bob)),
        new AccountSettled(day, alice, 3000),
        new AccountSettled(day, bob, 0),
        new Finished(day));

    var result = close();

    assertTrue(result.hasNoEvents());
    assertEquals(List.of(new Payout(alice, 3000)), result.reply().getValue().payouts());
    assertEquals(List.of(), accounts.asked);
  }

  @Test
  void everyone_who_asks_while_the_day_closes_gets_the_payouts() {
    givenAccounts(Map.of(alice, 3000L, bob, 700L));
    CompletableFuture<Long> bobCloses = new CompletableFuture<>();
    accounts.held.put(bob, bobCloses);
    TestProbe<StatusReply<BillingDay.Result>> first = testKit.createTestProbe();
    TestProbe<StatusReply<BillingDay.Result>> second = testKit.createTestProbe();
    kit.runCommand(new BillingDay.Close(first.ref()));
    kit.runCommand(new BillingDay.Close(second.ref()));
    assertFalse(kit.getState() instanceof BillingDay.Closed, "not closed before bob is");

    bobCloses.complete(700L);

    var expected = StatusReply.success(new BillingDay.Result(day, payouts(accounts.payouts)));
    assertEquals(expected, first.receiveMessage());
    assertEquals(expected, second.receiveMessage());
    assertEquals(Set.of(alice, bob), Set.copyOf(accounts.asked));
  }

  @Test
  void a_failed_account_close_is_retried_and_recorded_once() {
    givenAccounts(Map.of(alice, 3000L, bob, 0L));
    accounts.failOnce.add(alice);

    var result = close();

    assertEquals(List.of(new Payout(alice, 3000)), result.reply().getValue().payouts());
    assertEquals(List.of(alice, alice), accounts.asked.stream().filter(alice::equals).toList());
    assertEquals(
        List.of(alice), settledAccounts(journal()).stream().filter(alice::equals).toList());
  }

  @Test
  void a_failed_listing_is_retried() {
    givenAccounts(Map.of(alice, 3000L));
    accounts.listingFailsOnce.set(true);

    var result = close();

    assertEquals(List.of(new Payout(alice, 3000)), result.reply().getValue().payouts());
    assertEquals(List.of(new Started(day, List.of(alice))), journal().subList(0, 1));
  }

  @Test
  void a_closed_day_recovers_after_a_restart() {
    givenAccounts(Map.of(alice, 3000L, bob, 0L));
    var closed = close();

    var restarted = kit.restart();

    assertEquals(closed.state(), restarted.state());
    var again = close();
    assertTrue(again.hasNoEvents());
    assertEquals(closed.reply(), again.reply());
    assertEquals(2, accounts.asked.size());
  }

  @Test
  void the_state_changes_only_as_the_events_say() {
    BillingDay.State state =
        BillingDay.NotStarted.INSTANCE
            .apply(new Started(day, List.of(alice, bob)))
            .apply(new AccountSettled(day, bob, 0));
    assertEquals(
        new BillingDay.Closing(List.of(alice, bob), new TreeMap<>(Map.of(bob, 0L))), state);
    assertEquals(List.of(alice), ((BillingDay.Closing) state).pending());

    BillingDay.State closed =
        state.apply(new AccountSettled(day, alice, 10)).apply(new Finished(day));

    assertEquals(new BillingDay.Closed(new TreeMap<>(Map.of(alice, 10L, bob, 0L))), closed);
  }
}
