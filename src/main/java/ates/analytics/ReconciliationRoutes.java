package ates.analytics;

import akka.http.javadsl.server.Route;
import ates.contract.Role;
import ates.platform.http.ApiDirectives;
import ates.platform.http.JwtService;
import ates.platform.http.Validation;
import java.time.LocalDate;

/**
 * {@code GET /api/admin/reconciliation?date=YYYY-MM-DD} (admin; default today in the billing zone):
 * the {@link Reconciliation.Report} of that day. Kafka not answering in time is a 503 with
 * Retry-After.
 */
final class ReconciliationRoutes extends ApiDirectives {

  private final Reconciler reconciler;

  ReconciliationRoutes(JwtService jwt, Reconciler reconciler) {
    super(jwt);
    this.reconciler = reconciler;
  }

  Route route() {
    return pathPrefix(
        "api",
        () ->
            pathPrefix(
                "admin",
                () ->
                    path(
                        "reconciliation",
                        () ->
                            get(
                                () ->
                                    authenticated(
                                        principal ->
                                            requireRole(
                                                principal, this::reconciliation, Role.ADMIN))))));
  }

  private Route reconciliation() {
    return parameterOptional(
        "date",
        dateParam -> {
          LocalDate date =
              dateParam.map(v -> Validation.date("date", v)).orElseGet(reconciler::today);
          return onSuccess(reconciler.run(date), this::ok);
        });
  }
}
