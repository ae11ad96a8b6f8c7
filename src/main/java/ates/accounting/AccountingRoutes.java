package ates.accounting;

import static ates.contract.Role.ACCOUNTANT;
import static ates.contract.Role.ADMIN;

import akka.actor.typed.ActorSystem;
import akka.cluster.sharding.typed.javadsl.ClusterSharding;
import akka.http.javadsl.server.PathMatchers;
import akka.http.javadsl.server.Route;
import ates.platform.http.ApiDirectives;
import ates.platform.http.JwtService;
import ates.platform.http.Principal;
import ates.platform.http.ProblemException;
import ates.platform.http.Validation;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneId;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

/** The accounting API of http-api.md: accounts, earnings, closing a billing day. */
final class AccountingRoutes extends ApiDirectives {

  private static final int MAX_DAYS = 366;

  record AccountJson(
      UUID userId, long balance, List<AccountingReadModel.TransactionRow> transactions) {}

  record EarningsRow(LocalDate date, long managementEarnings) {}

  record CloseRequest(String date) {}

  private final ClusterSharding sharding;
  private final AccountingReadModel readModel;
  private final ZoneId zone;
  private final Clock clock;
  private final Duration closeTimeout;

  AccountingRoutes(
      ActorSystem<?> system,
      JwtService jwt,
      AccountingReadModel readModel,
      ZoneId zone,
      Clock clock,
      Duration closeTimeout) {
    super(jwt);
    this.sharding = ClusterSharding.get(system);
    this.readModel = readModel;
    this.zone = zone;
    this.clock = clock;
    this.closeTimeout = closeTimeout;
  }

  Route route() {
    return pathPrefix(
        "api",
        () ->
            concat(
                pathPrefix("accounts", () -> authenticated(this::accounts)),
                pathPrefix("accounting", () -> authenticated(this::accounting))));
  }

  /**
   * {@code /api/accounts/me}; {@code /api/accounts} (the list) and {@code /api/accounts/{userId}}
   * for accountants and admins.
   */
  private Route accounts(Principal principal) {
    return concat(
        pathEndOrSingleSlash(
            () ->
                get(
                    () ->
                        requireRole(
                            principal,
                            () -> onSuccess(readModel.accounts(), list -> ok(list)),
                            ACCOUNTANT,
                            ADMIN))),
        path("me", () -> get(() -> account(principal.userId()))),
        path(
            PathMatchers.uuidSegment(),
            userId -> get(() -> requireRole(principal, () -> account(userId), ACCOUNTANT, ADMIN))));
  }

  /** Management earnings (accountants and admins) and closing a billing day (admins). */
  private Route accounting(Principal principal) {
    return concat(
        path(
            "earnings", () -> get(() -> requireRole(principal, this::earnings, ACCOUNTANT, ADMIN))),
        path(
            PathMatchers.segment("billing-cycles").slash("close"),
            () -> post(() -> requireRole(principal, () -> optionalEntity(this::close), ADMIN))));
  }

  /** The body of close is optional: no body (or {}) closes today. */
  private Route optionalEntity(java.util.function.Function<CloseRequest, Route> inner) {
    return extractRequestEntity(
        entity ->
            entity.isKnownEmpty()
                ? inner.apply(new CloseRequest(null))
                : jsonBody(
                    CloseRequest.class,
                    req -> inner.apply(req == null ? new CloseRequest(null) : req)));
  }

  private Route account(UUID userId) {
    return parameterOptional(
        "limit",
        limitParam ->
            parameterOptional(
                "before",
                beforeParam -> {
                  int limit = limit(limitParam);
                  Optional<Instant> before = beforeParam.map(AccountingRoutes::instant);
                  return onSuccess(
                      readModel.account(userId, limit, before),
                      view ->
                          ok(
                              view.map(
                                      v ->
                                          new AccountJson(
                                              v.userId(), v.balance(), v.transactions()))
                                  .orElseThrow(
                                      () -> ProblemException.notFound("no account " + userId))));
                }));
  }

  private static int limit(Optional<String> value) {
    return value.map(v -> Validation.count("limit", v, 1, 500)).orElse(50);
  }

  private static Instant instant(String value) {
    return Validation.instant("before", value);
  }

  private static LocalDate date(String field, String value) {
    return Validation.date(field, value);
  }

  private Route earnings() {
    return parameter(
        "from",
        fromParam ->
            parameter(
                "to",
                toParam -> {
                  LocalDate from = date("from", fromParam);
                  LocalDate to = date("to", toParam);
                  if (to.isBefore(from))
                    throw ProblemException.invalidField("to", "must not be before 'from'");
                  if (ChronoUnit.DAYS.between(from, to) >= MAX_DAYS)
                    throw ProblemException.invalidField(
                        "to", "the range may span at most " + MAX_DAYS + " days");
                  return onSuccess(
                      readModel.earnings(from, to),
                      days ->
                          ok(
                              days.entrySet().stream()
                                  .map(e -> new EarningsRow(e.getKey(), e.getValue()))
                                  .toList()));
                }));
  }

  private Route close(CloseRequest req) {
    LocalDate today = LocalDate.now(clock.withZone(zone));
    LocalDate date = req.date() == null ? today : date("date", req.date());
    if (date.isAfter(today))
      throw ProblemException.invalidField("date", "must not be in the future");
    scala.concurrent.duration.FiniteDuration timeout =
        scala.concurrent.duration.FiniteDuration.apply(
            closeTimeout.toMillis() + 5000, TimeUnit.MILLISECONDS);
    return withRequestTimeout(
        timeout,
        () ->
            onSuccess(
                sharding
                    .entityRefFor(BillingDay.ENTITY_KEY, date.toString())
                    .<BillingDay.Result>askWithStatus(BillingDay.Close::new, closeTimeout),
                result -> ok(result)));
  }
}
