package ates.analytics;

import akka.actor.typed.ActorRef;
import akka.actor.typed.ActorSystem;
import akka.actor.typed.javadsl.AskPattern;
import akka.http.javadsl.server.Route;
import ates.contract.Role;
import ates.platform.http.ApiDirectives;
import ates.platform.http.JwtService;
import ates.platform.http.ProblemException;
import ates.platform.http.Validation;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneId;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeoutException;

/**
 * The analytics API of http-api.md, for admins: dashboard, most expensive task, daily statistics,
 * summary of a range. Hot days (the last {@code hot-days}) are answered by the day actors, older
 * ones from the database, through the same {@link DayFigures}.
 */
final class AnalyticsRoutes extends ApiDirectives {

  private static final int MAX_DAYS = 366;

  record Dashboard(
      LocalDate date, long managementEarnings, long negativeBalanceWorkers, long completedTasks) {}

  record TaskJson(
      UUID taskId, String title, String jiraId, long completionReward, Instant completedAt) {
    static TaskJson of(DayFigures.TaskFigure t) {
      return t == null
          ? null
          : new TaskJson(t.taskId(), t.title(), t.jiraId(), t.completionReward(), t.completedAt());
    }
  }

  record DailyRow(
      LocalDate date,
      long managementEarnings,
      long negativeBalanceWorkers,
      long completedTasks,
      long averageReward,
      TaskJson mostExpensiveTask) {}

  private final ActorSystem<?> system;
  private final GuardianLocator guardian;
  private final AnalyticsStore store;
  private final ZoneId zone;
  private final Clock clock;
  private final int hotDays;
  private final Duration askTimeout;

  AnalyticsRoutes(
      ActorSystem<?> system,
      JwtService jwt,
      GuardianLocator guardian,
      AnalyticsStore store,
      ZoneId zone,
      Clock clock,
      int hotDays,
      Duration askTimeout) {
    super(jwt);
    this.system = system;
    this.guardian = guardian;
    this.store = store;
    this.zone = zone;
    this.clock = clock;
    this.hotDays = hotDays;
    this.askTimeout = askTimeout;
  }

  Route route() {
    return pathPrefix(
        "api",
        () ->
            pathPrefix(
                "analytics",
                () ->
                    authenticated(
                        principal ->
                            requireRole(
                                principal,
                                () ->
                                    concat(
                                        path("dashboard", () -> get(this::dashboard)),
                                        path("most-expensive-task", () -> get(this::mostExpensive)),
                                        path("daily", () -> get(this::daily)),
                                        path("summary", () -> get(this::summary))),
                                Role.ADMIN))));
  }

  private LocalDate today() {
    return LocalDate.now(clock.withZone(zone));
  }

  /** One day's figures: from its actor when hot, from the database when cold. */
  CompletionStage<DayFigures> day(LocalDate date) {
    LocalDate today = today();
    boolean hot = !date.isAfter(today) && !date.isBefore(today.minusDays(hotDays - 1L));
    Optional<ActorRef<AnalyticsGuardian.Command>> hotDays = guardian.current();
    if (!hot || hotDays.isEmpty()) return fromDatabase(date);
    CompletionStage<DayFigures> answer =
        AskPattern.ask(
            hotDays.get(),
            replyTo -> new AnalyticsGuardian.GetDay(date, replyTo),
            askTimeout,
            system.scheduler());
    // a guardian stopping or overloaded: the database holds the same figures
    return answer.exceptionallyCompose(
        failure ->
            unanswered(failure) ? fromDatabase(date) : CompletableFuture.failedFuture(failure));
  }

  private static boolean unanswered(Throwable failure) {
    Throwable t = failure;
    while (t instanceof CompletionException && t.getCause() != null) t = t.getCause();
    return t instanceof TimeoutException;
  }

  /**
   * A day's figures read from the database (a cold day, or a hot one while no guardian answers):
   * the same {@link DayFigures} a day actor holds.
   */
  private CompletionStage<DayFigures> fromDatabase(LocalDate date) {
    return store.load(date).thenApply(AnalyticsStore.Loaded::figures);
  }

  /**
   * Every day's figures from {@code from} to {@code to}: the cold days in one read of the database,
   * the hot days from their actors, all at once.
   */
  private CompletionStage<List<DayFigures>> days(LocalDate from, LocalDate to) {
    LocalDate today = today();
    LocalDate firstHot = today.minusDays(hotDays - 1L);
    CompletionStage<List<DayFigures>> before = cold(from, min(to, firstHot.minusDays(1)));
    CompletionStage<List<DayFigures>> after = cold(max(from, today.plusDays(1)), to);
    List<CompletableFuture<DayFigures>> hot = new ArrayList<>();
    for (LocalDate d = max(from, firstHot); !d.isAfter(min(to, today)); d = d.plusDays(1)) {
      hot.add(day(d).toCompletableFuture());
    }
    CompletableFuture<Void> hotDone =
        CompletableFuture.allOf(hot.toArray(new CompletableFuture[0]));
    return before
        .thenCombine(after, (b, a) -> List.of(b, a))
        .thenCombine(
            hotDone,
            (cold, done) -> {
              List<DayFigures> all = new ArrayList<>(cold.get(0));
              hot.forEach(f -> all.add(f.join()));
              all.addAll(cold.get(1));
              return all;
            });
  }

  private CompletionStage<List<DayFigures>> cold(LocalDate from, LocalDate to) {
    return from.isAfter(to)
        ? CompletableFuture.completedFuture(List.of())
        : store.loadRange(from, to);
  }

  private static LocalDate min(LocalDate a, LocalDate b) {
    return a.isBefore(b) ? a : b;
  }

  private static LocalDate max(LocalDate a, LocalDate b) {
    return a.isAfter(b) ? a : b;
  }

  private Route dashboard() {
    return parameterOptional(
        "date",
        dateParam -> {
          LocalDate date = dateParam.map(v -> date("date", v)).orElse(today());
          CompletionStage<Dashboard> answer =
              day(date)
                  .thenCombine(
                      store.nonWorkers(),
                      (f, nonWorkers) ->
                          new Dashboard(
                              date,
                              f.managementEarnings(),
                              f.negativeBalanceWorkers(nonWorkers),
                              f.completedTasks()));
          return onSuccess(answer, this::ok);
        });
  }

  private Route mostExpensive() {
    return parameterOptional(
        "period",
        period ->
            parameterOptional(
                "from",
                fromParam ->
                    parameterOptional(
                        "to",
                        toParam -> {
                          LocalDate[] range = range(period, fromParam, toParam);
                          CompletionStage<Optional<DayFigures.TaskFigure>> top =
                              days(range[0], range[1])
                                  .thenApply(
                                      list -> {
                                        DayFigures.TaskFigure best = null;
                                        for (DayFigures f : list)
                                          if (f.mostExpensive() != null
                                              && f.mostExpensive().beats(best))
                                            best = f.mostExpensive();
                                        return Optional.ofNullable(best);
                                      });
                          return onSuccess(
                              top,
                              t ->
                                  ok(
                                      TaskJson.of(
                                          t.orElseThrow(
                                              () ->
                                                  ProblemException.notFound(
                                                      "no task was completed from "
                                                          + range[0]
                                                          + " to "
                                                          + range[1])))));
                        })));
  }

  private Route daily() {
    return parameter(
        "from",
        fromParam ->
            parameter(
                "to",
                toParam -> {
                  LocalDate[] range =
                      range(Optional.empty(), Optional.of(fromParam), Optional.of(toParam));
                  CompletionStage<List<DailyRow>> rows =
                      days(range[0], range[1])
                          .thenCombine(
                              store.nonWorkers(),
                              (list, nonWorkers) ->
                                  list.stream()
                                      .map(
                                          f ->
                                              new DailyRow(
                                                  f.date(),
                                                  f.managementEarnings(),
                                                  f.negativeBalanceWorkers(nonWorkers),
                                                  f.completedTasks(),
                                                  f.averageReward(),
                                                  TaskJson.of(f.mostExpensive())))
                                      .toList());
                  return onSuccess(rows, this::ok);
                }));
  }

  /** The {@link Summary} of a range given as for the most expensive task. */
  private Route summary() {
    return parameterOptional(
        "period",
        period ->
            parameterOptional(
                "from",
                fromParam ->
                    parameterOptional(
                        "to",
                        toParam -> {
                          LocalDate[] range = range(period, fromParam, toParam);
                          CompletionStage<Summary> summary =
                              days(range[0], range[1])
                                  .thenApply(list -> Summary.of(range[0], range[1], list));
                          return onSuccess(summary, this::ok);
                        })));
  }

  /** {@code period} (day, week, month, ending today) or {@code from} and {@code to}. */
  private LocalDate[] range(
      Optional<String> period, Optional<String> fromParam, Optional<String> toParam) {
    LocalDate today = today();
    if (period.isPresent()) {
      return switch (period.get()) {
        case "day" -> new LocalDate[] {today, today};
        case "week" -> new LocalDate[] {today.minusDays(6), today};
        case "month" -> new LocalDate[] {today.minusMonths(1).plusDays(1), today};
        default -> throw ProblemException.invalidField("period", "must be day, week or month");
      };
    }
    LocalDate from =
        date(
            "from",
            fromParam.orElseThrow(
                () -> ProblemException.invalidField("from", "is required (or give 'period')")));
    LocalDate to =
        date(
            "to",
            toParam.orElseThrow(
                () -> ProblemException.invalidField("to", "is required (or give 'period')")));
    if (to.isBefore(from)) throw ProblemException.invalidField("to", "must not be before 'from'");
    if (ChronoUnit.DAYS.between(from, to) >= MAX_DAYS)
      throw ProblemException.invalidField("to", "the range may span at most " + MAX_DAYS + " days");
    return new LocalDate[] {from, to};
  }

  private static LocalDate date(String field, String value) {
    return Validation.date(field, value);
  }
}
