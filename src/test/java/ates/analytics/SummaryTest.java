package ates.analytics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.time.Instant;
import java.time.LocalDate;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/** {@link Summary} as plain arithmetic over day figures: no database, no Kafka, no actors. */
class SummaryTest {

  private static final LocalDate MONDAY = LocalDate.of(2024, 3, 4);
  private static final Instant NOON = Instant.parse("2024-03-04T12:00:00Z");

  @Test
  void income_is_the_sum_of_the_days_and_its_average_counts_every_calendar_day() {
    Summary s =
        Summary.of(
            MONDAY,
            MONDAY.plusDays(3),
            List.of(day(MONDAY, 5000, 2000), day(MONDAY.plusDays(2), 1000, 0)));

    assertEquals(4, s.days());
    assertEquals(4000, s.totalIncome());
    assertEquals(1000, s.averageDailyIncome());
  }

  @Test
  void a_day_without_movements_counts_as_zero_whether_given_or_left_out() {
    Summary leftOut = Summary.of(MONDAY, MONDAY.plusDays(1), List.of(day(MONDAY, 3000, 0)));
    Summary given =
        Summary.of(
            MONDAY,
            MONDAY.plusDays(1),
            List.of(day(MONDAY, 3000, 0), day(MONDAY.plusDays(1), 0, 0)));

    assertEquals(1500, leftOut.averageDailyIncome());
    assertEquals(leftOut, given);
  }

  @Test
  void the_average_daily_income_rounds_half_up_and_a_negative_tie_away_from_zero() {
    assertEquals(3, income(5, 2)); // 2.5
    assertEquals(-3, income(-5, 2)); // -2.5
    assertEquals(-2, income(-7, 3)); // -2.33
    assertEquals(-3, income(-8, 3)); // -2.67
    assertEquals(-1501, income(-3001, 2)); // -1500.5
    assertEquals(0, income(-1, 3)); // -0.33
  }

  @Test
  void a_day_where_rewards_exceed_fees_lowers_the_income() {
    Summary s =
        Summary.of(
            MONDAY,
            MONDAY.plusDays(1),
            List.of(day(MONDAY, 2000, 3000), day(MONDAY.plusDays(1), 1500, 0)));

    assertEquals(500, s.totalIncome());
    assertEquals(250, s.averageDailyIncome());
  }

  @Test
  void the_average_reward_is_over_every_task_of_the_range_not_an_average_of_days() {
    // day 1: one task of 2000; day 2: three tasks of 4000, 4000, 4001 (12001)
    Summary s =
        Summary.of(
            MONDAY,
            MONDAY.plusDays(1),
            List.of(
                tasks(MONDAY, 1, 2000, task(2000, NOON)),
                tasks(MONDAY.plusDays(1), 3, 12001, task(4001, NOON.plusSeconds(86_400)))));

    assertEquals(4, s.completedTasks());
    assertEquals(3500, s.averageReward()); // 14001 / 4 = 3500.25; the daily averages give 3000
  }

  @Test
  void the_average_reward_rounds_half_up() {
    Summary s = Summary.of(MONDAY, MONDAY, List.of(tasks(MONDAY, 2, 5001, task(2501, NOON))));

    assertEquals(2501, s.averageReward()); // 2500.5
  }

  @Test
  void without_completed_tasks_the_average_reward_is_zero_and_there_is_no_top_task() {
    Summary s = Summary.of(MONDAY, MONDAY.plusDays(6), List.of(day(MONDAY, 1000, 0)));

    assertEquals(0, s.completedTasks());
    assertEquals(0, s.averageReward());
    assertNull(s.mostExpensiveTask());
  }

  @Test
  void the_most_expensive_task_is_the_highest_reward_then_the_earliest_completion() {
    DayFigures.TaskFigure lower = task(3999, NOON);
    DayFigures.TaskFigure later = task(4000, NOON.plusSeconds(86_400));
    DayFigures.TaskFigure earlier = task(4000, NOON.plusSeconds(1));

    Summary s =
        Summary.of(
            MONDAY,
            MONDAY.plusDays(2),
            List.of(
                tasks(MONDAY, 2, 7999, earlier),
                tasks(MONDAY.plusDays(1), 1, 4000, later),
                tasks(MONDAY.plusDays(2), 1, 3999, lower)));

    assertEquals(earlier, s.mostExpensiveTask());
  }

  @Test
  void an_exact_tie_goes_to_the_smaller_id_whatever_the_order_of_days() {
    DayFigures.TaskFigure a =
        new DayFigures.TaskFigure(
            UUID.fromString("00000000-0000-0000-0000-000000000001"), "a", null, 4000, NOON);
    DayFigures.TaskFigure b =
        new DayFigures.TaskFigure(
            UUID.fromString("00000000-0000-0000-0000-000000000002"), "b", null, 4000, NOON);
    DayFigures first = tasks(MONDAY, 1, 4000, a);
    DayFigures second = tasks(MONDAY.plusDays(1), 1, 4000, b);

    assertEquals(
        a, Summary.of(MONDAY, MONDAY.plusDays(1), List.of(first, second)).mostExpensiveTask());
    assertEquals(
        a, Summary.of(MONDAY, MONDAY.plusDays(1), List.of(second, first)).mostExpensiveTask());
  }

  @Test
  void a_range_of_one_day_and_one_of_a_leap_year() {
    assertEquals(1, Summary.of(MONDAY, MONDAY, List.of()).days());
    assertEquals(
        366, Summary.of(LocalDate.of(2024, 1, 1), LocalDate.of(2024, 12, 31), List.of()).days());
  }

  @Test
  void figures_outside_the_range_or_twice_for_a_day_are_refused() {
    assertThrows(
        IllegalArgumentException.class,
        () -> Summary.of(MONDAY, MONDAY, List.of(day(MONDAY.plusDays(1), 1, 0))));
    assertThrows(
        IllegalArgumentException.class,
        () -> Summary.of(MONDAY, MONDAY, List.of(day(MONDAY, 1, 0), day(MONDAY, 1, 0))));
    assertThrows(
        IllegalArgumentException.class, () -> Summary.of(MONDAY, MONDAY.minusDays(1), List.of()));
  }

  private static long income(long total, int days) {
    return Summary.of(MONDAY, MONDAY.plusDays(days - 1L), List.of(day(MONDAY, total, 0)))
        .averageDailyIncome();
  }

  private static DayFigures day(LocalDate date, long fees, long rewards) {
    return new DayFigures(date, fees, rewards, 0, 0, null, Map.of());
  }

  /** A day whose only movements are the rewards of its completed tasks. */
  private static DayFigures tasks(
      LocalDate date, long completed, long rewardSum, DayFigures.TaskFigure top) {
    return new DayFigures(date, 0, rewardSum, completed, rewardSum, top, Map.of());
  }

  private static DayFigures.TaskFigure task(long reward, Instant completedAt) {
    return new DayFigures.TaskFigure(UUID.randomUUID(), "Task", null, reward, completedAt);
  }
}
