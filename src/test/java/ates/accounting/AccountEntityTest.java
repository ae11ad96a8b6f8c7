package ates.accounting;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import akka.actor.testkit.typed.javadsl.ActorTestKit;
import akka.pattern.StatusReply;
import akka.persistence.testkit.javadsl.EventSourcedBehaviorTestKit;
import akka.serialization.jackson.JacksonObjectMapperProvider;
import ates.contract.TransactionIds;
import ates.contract.TransactionType;
import ates.platform.JournaledEntity;
import ates.testing.EntityTestKits;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Instant;
import java.time.LocalDate;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The Account ledger, given / when / then, with serialization of commands, events and state
 * verified.
 */
class AccountEntityTest {

  private static final LocalDate MONDAY = LocalDate.parse("2026-11-23");
  private static final LocalDate TUESDAY = MONDAY.plusDays(1);
  private static ActorTestKit testKit;

  private final UUID accountId = UUID.randomUUID();
  private EventSourcedBehaviorTestKit<Account.Command, Account.Event, Account.State> kit;

  @BeforeAll
  static void startTestKit() {
    testKit = EntityTestKits.create("AccountEntityTest");
  }

  @AfterAll
  static void stopTestKit() {
    testKit.shutdownTestKit();
  }

  @BeforeEach
  void newAccount() {
    kit =
        EventSourcedBehaviorTestKit.create(
            testKit.system(),
            Account.create(accountId.toString(), JournaledEntity.Journal.DEFAULT));
  }

  private static Account.Movement fee(String id, long amount, LocalDate day) {
    return movement(TransactionType.ASSIGNMENT_FEE, id, amount, day);
  }

  private static Account.Movement reward(String id, long amount, LocalDate day) {
    return movement(TransactionType.COMPLETION_REWARD, id, amount, day);
  }

  private static Account.Movement movement(
      TransactionType type, String id, long amount, LocalDate day) {
    return Account.Movement.builder(type)
        .transactionId(id)
        .amount(amount)
        .taskId(UUID.randomUUID())
        .description(type.wireName() + " " + id)
        .billingDate(day)
        .createdAt(day.atStartOfDay().toInstant(java.time.ZoneOffset.UTC))
        .build();
  }

  private boolean book(Account.Movement m) {
    return kit.<StatusReply<Boolean>>runCommand(r -> new Account.Book(m, r)).reply().getValue();
  }

  private long close(LocalDate day) {
    return kit.<StatusReply<Long>>runCommand(
            r -> new Account.CloseDay(day, Instant.parse("2026-11-25T00:00:01Z"), r))
        .reply()
        .getValue();
  }

  private long balance() {
    return kit.<StatusReply<Long>>runCommand(Account.GetBalance::new).reply().getValue();
  }

  @Test
  void a_movement_is_booked_once_whatever_the_redeliveries() {
    var first =
        kit.<StatusReply<Boolean>>runCommand(
            r -> new Account.Book(fee("fee:t:1", 1500, MONDAY), r));
    var again =
        kit.<StatusReply<Boolean>>runCommand(
            r -> new Account.Book(fee("fee:t:1", 1500, MONDAY), r));

    assertEquals(-1500, ((Account.Moved) first.event()).balanceAfter());
    assertTrue(first.reply().getValue());
    assertTrue(again.hasNoEvents());
    assertFalse(again.reply().getValue());
    assertEquals(-1500, balance());
  }

  @Test
  void a_batch_is_booked_in_one_write_in_its_order_each_id_once() {
    book(fee("fee:t:1", 1500, MONDAY));

    var batch =
        kit.<StatusReply<Integer>>runCommand(
            r ->
                new Account.BookAll(
                    List.of(
                        fee("fee:t:1", 1500, MONDAY),
                        reward("reward:t:2", 4000, MONDAY),
                        fee("fee:t:3", 1000, TUESDAY),
                        reward("reward:t:2", 4000, MONDAY)),
                    r));

    assertEquals(2, batch.reply().getValue());
    assertEquals(
        List.of("reward:t:2", "fee:t:3"),
        batch.events().stream().map(e -> ((Account.Moved) e).movement().transactionId()).toList());
    assertEquals(
        List.of(2500L, 1500L),
        batch.events().stream().map(e -> ((Account.Moved) e).balanceAfter()).toList());
    assertEquals(1500, balance());

    var again =
        kit.<StatusReply<Integer>>runCommand(
            r -> new Account.BookAll(List.of(fee("fee:t:3", 1000, TUESDAY)), r));
    assertTrue(again.hasNoEvents());
    assertEquals(0, again.reply().getValue());
  }

  @Test
  void closing_a_day_pays_the_end_of_day_balance_and_leaves_later_days_alone() {
    book(reward("reward:a", 3000, MONDAY));
    book(fee("fee:a:1", 1000, MONDAY));
    book(reward("reward:b", 2500, TUESDAY)); // arrives before Monday is closed

    var result =
        kit.<StatusReply<Long>>runCommand(
            r -> new Account.CloseDay(MONDAY, Instant.parse("2026-11-24T00:00:05Z"), r));

    assertEquals(2000, result.reply().getValue());
    Account.Moved payout = (Account.Moved) result.events().get(0);
    assertEquals(TransactionType.PAYOUT, payout.movement().type());
    assertEquals(TransactionIds.payout(accountId, MONDAY), payout.movement().transactionId());
    assertEquals(2500, payout.balanceAfter());
    assertEquals(new Account.DayClosed(accountId, MONDAY, 2000), result.events().get(1));
    assertEquals(2500, close(TUESDAY));
    assertEquals(0, balance());
  }

  @Test
  void closing_the_same_day_again_answers_the_same_and_moves_nothing() {
    book(reward("reward:a", 3000, MONDAY));
    assertEquals(3000, close(MONDAY));

    var again =
        kit.<StatusReply<Long>>runCommand(r -> new Account.CloseDay(MONDAY, Instant.now(), r));

    assertTrue(again.hasNoEvents());
    assertEquals(3000, again.reply().getValue());
  }

  @Test
  void a_negative_balance_carries_over() {
    book(fee("fee:a:1", 1800, MONDAY));
    assertEquals(0, close(MONDAY));
    book(reward("reward:b", 3000, TUESDAY));

    assertEquals(1200, close(TUESDAY));
    assertEquals(0, balance());
  }

  @Test
  void a_late_movement_of_a_closed_day_is_settled_by_the_next_close() {
    book(reward("reward:a", 3000, MONDAY));
    assertEquals(3000, close(MONDAY));
    book(fee("fee:late:1", 1000, MONDAY)); // arrives after Monday was closed

    assertEquals(0, close(TUESDAY));
    assertEquals(-1000, balance());
  }

  @Test
  void the_ledger_is_recovered_from_its_events_and_snapshots() {
    for (int i = 0; i < 120; i++) book(fee("fee:x:" + i, 1000, MONDAY));
    book(reward("reward:x", 4000, MONDAY));

    kit.restart();

    assertEquals(-116_000, balance());
    assertFalse(book(fee("fee:x:7", 1000, MONDAY)), "ids survive snapshots");
  }

  @Test
  void a_movement_journaled_before_the_contract_types_still_replays() throws Exception {
    ObjectMapper journal =
        JacksonObjectMapperProvider.get(testKit.system())
            .getOrCreate("jackson-cbor", Optional.empty());
    Account.Moved moved = new Account.Moved(accountId, fee("fee:old:1", 1200, MONDAY), -1200);
    ObjectNode written = journal.valueToTree(moved);
    assertEquals("assignment_fee", written.at("/movement/type").asText());
    assertEquals("debit", written.at("/movement/direction").asText());

    ObjectNode old = written.deepCopy();
    ((ObjectNode) old.get("movement")).put("type", "ASSIGNMENT_FEE").put("direction", "DEBIT");

    assertEquals(moved, journal.treeToValue(old, Account.Moved.class));
  }
}
