package ates.analytics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

import java.time.Instant;
import java.time.LocalDate;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/** {@link DayFigures} as plain values: no database, no actors. */
class DayFiguresTest {

  private static final LocalDate MONDAY = LocalDate.of(2024, 3, 4);
  private static final Instant NOON = Instant.parse("2024-03-04T12:00:00Z");
  private static final UUID LOW_ID = UUID.fromString("00000000-0000-0000-0000-00000000000a");
  private static final UUID HIGH_ID = UUID.fromString("f0000000-0000-0000-0000-000000000001");

  private final DayFigures empty = new DayFigures(MONDAY, 0, 0, 0, 0, null, Map.of());

  @Test
  void management_earns_the_fees_minus_the_rewards_and_may_lose() {
    assertEquals(500, empty.plus(2000, 1500, 0, 0, null).managementEarnings());
    assertEquals(-1000, empty.plus(500, 1500, 0, 0, null).managementEarnings());
  }

  @Test
  void the_average_reward_rounds_half_up_and_is_zero_without_tasks() {
    assertEquals(0, empty.averageReward());
    assertEquals(2, empty.plus(0, 0, 2, 3, null).averageReward()); // 1.5
    assertEquals(1, empty.plus(0, 0, 3, 4, null).averageReward()); // 1.33
    assertEquals(-2, DayFigures.averageHalfUp(-3, 2)); // -1.5: away from zero
  }

  @Test
  void the_most_expensive_task_is_the_higher_reward_then_the_earlier_then_the_smaller_id() {
    DayFigures.TaskFigure cheap = task(LOW_ID, 1000, NOON);
    DayFigures.TaskFigure dear = task(HIGH_ID, 5000, NOON);
    DayFigures.TaskFigure dearLater = task(LOW_ID, 5000, NOON.plusSeconds(1));
    DayFigures.TaskFigure dearSameTimeSmallerId = task(LOW_ID, 5000, NOON);

    DayFigures day = empty.plus(0, 0, 1, 1000, cheap).plus(0, 0, 1, 5000, dear);
    assertSame(dear, day.mostExpensive());
    assertSame(dear, day.plus(0, 0, 1, 5000, dearLater).mostExpensive());
    assertSame(
        dearSameTimeSmallerId, day.plus(0, 0, 1, 5000, dearSameTimeSmallerId).mostExpensive());
    assertSame(dear, day.plus(0, 0, 1, 1000, cheap).mostExpensive());
  }

  @Test
  void movements_add_up_per_account_and_leave_the_old_figures_as_they_were() {
    UUID alice = UUID.randomUUID();
    UUID bob = UUID.randomUUID();

    DayFigures day = empty.plusMovement(alice, -1500).plusMovement(bob, 700);
    DayFigures later = day.plusMovement(alice, 1000);

    assertEquals(Map.of(alice, -1500L, bob, 700L), day.endOfDayBalances());
    assertEquals(Map.of(alice, -500L, bob, 700L), later.endOfDayBalances());
    assertEquals(Map.of(), empty.endOfDayBalances());
  }

  @Test
  void workers_in_the_negative_leave_out_zero_balances_and_users_who_are_not_workers() {
    UUID alice = UUID.randomUUID();
    UUID bob = UUID.randomUUID();
    UUID carol = UUID.randomUUID();
    UUID manager = UUID.randomUUID();

    DayFigures day =
        empty
            .plusMovement(alice, -1)
            .plusMovement(bob, -300)
            .plusMovement(carol, 0)
            .plusMovement(manager, -5000);

    assertEquals(2, day.negativeBalanceWorkers(Set.of(manager)));
    assertEquals(3, day.negativeBalanceWorkers(Set.of()));
  }

  private static DayFigures.TaskFigure task(UUID id, long reward, Instant at) {
    return new DayFigures.TaskFigure(id, "title", null, reward, at);
  }
}
