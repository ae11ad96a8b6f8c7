package ates.analytics;

import java.time.LocalDate;
import java.time.temporal.ChronoUnit;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * The management's figures over a range of calendar days, as {@code GET /api/analytics/summary}
 * answers them, computed from the range's {@link DayFigures} alone (so hot and cold days count
 * alike, and the answer does not depend on where a day was read from).
 *
 * <p>Guarantees: {@code totalIncome} is the sum of each day's management earnings (fees − rewards);
 * {@code averageDailyIncome} divides it by {@code days}, every calendar day of the range inclusive,
 * so a day without movements (or missing from the figures) counts as 0. {@code averageReward} is
 * the range's sum of rewards over its completed tasks, not an average of daily averages, 0 without
 * tasks. Both averages are in cents, rounded half up as {@link DayFigures#averageHalfUp} does, a
 * tie away from zero: -2.5 → -3. {@code mostExpensiveTask} follows {@link
 * DayFigures.TaskFigure#beats}: highest reward, then earliest completion; null without tasks.
 */
record Summary(
    LocalDate from,
    LocalDate to,
    long days,
    long totalIncome,
    long averageDailyIncome,
    long completedTasks,
    long averageReward,
    DayFigures.TaskFigure mostExpensiveTask) {

  /**
   * The summary of {@code from} to {@code to} inclusive from the figures of its days.
   *
   * @param figures at most one per day, each inside the range; days left out count as empty
   * @throws IllegalArgumentException when {@code to} is before {@code from}, or a figure lies
   *     outside the range or repeats a day
   */
  static Summary of(LocalDate from, LocalDate to, List<DayFigures> figures) {
    if (to.isBefore(from)) throw new IllegalArgumentException(to + " is before " + from);
    requireOncePerDayInside(from, to, figures);
    long days = ChronoUnit.DAYS.between(from, to) + 1;
    long income = 0;
    long completed = 0;
    long rewardSum = 0;
    DayFigures.TaskFigure top = null;
    for (DayFigures day : figures) {
      income = Math.addExact(income, day.managementEarnings());
      completed = Math.addExact(completed, day.completedTasks());
      rewardSum = Math.addExact(rewardSum, day.rewardSum());
      if (day.mostExpensive() != null && day.mostExpensive().beats(top)) top = day.mostExpensive();
    }
    return new Summary(
        from,
        to,
        days,
        income,
        DayFigures.averageHalfUp(income, days),
        completed,
        DayFigures.averageHalfUp(rewardSum, completed),
        top);
  }

  private static void requireOncePerDayInside(
      LocalDate from, LocalDate to, List<DayFigures> figures) {
    Set<LocalDate> seen = new HashSet<>();
    for (DayFigures day : figures) {
      if (day.date().isBefore(from) || day.date().isAfter(to))
        throw new IllegalArgumentException(day.date() + " is outside " + from + ".." + to);
      if (!seen.add(day.date())) throw new IllegalArgumentException(day.date() + " is given twice");
    }
  }
}
