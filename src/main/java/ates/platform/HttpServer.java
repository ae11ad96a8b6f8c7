package ates.platform;

import akka.actor.typed.ActorSystem;
import akka.http.javadsl.Http;
import akka.http.javadsl.ServerBinding;
import akka.http.javadsl.model.HttpCharsets;
import akka.http.javadsl.model.HttpEntity;
import akka.http.javadsl.model.MediaTypes;
import akka.http.javadsl.server.AllDirectives;
import akka.http.javadsl.server.PathMatchers;
import akka.http.javadsl.server.Route;
import ates.platform.http.HttpErrors;
import ates.platform.http.RouteTemplates;
import ates.platform.http.WebAppRoutes;
import com.typesafe.config.Config;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletionStage;
import java.util.function.Supplier;

/**
 * The node's HTTP API: the routes of its services and {@code /api/openapi.yaml}, with problem+json
 * errors, a body size limit and time limit, security headers and request metrics. Unbinds
 * gracefully through CoordinatedShutdown. {@code /metrics} is on the management port ({@link
 * MetricsRoutes}), not here.
 */
public final class HttpServer extends AllDirectives {

  private final Metrics metrics;
  private final RouteTemplates routes = RouteTemplates.fromOpenApi();

  private HttpServer(Metrics metrics) {
    this.metrics = metrics;
  }

  public static CompletionStage<ServerBinding> bind(
      ActorSystem<?> system, Metrics metrics, List<Route> serviceRoutes) {
    Config http = system.settings().config().getConfig("ates.http");
    Route route =
        new HttpServer(metrics)
            .route(serviceRoutes, http.getBytes("max-body"), http.getDuration("body-timeout"));
    return Http.get(system)
        .newServerAt(http.getString("interface"), http.getInt("port"))
        .bind(route)
        .thenApply(binding -> binding.addToCoordinatedShutdown(Duration.ofSeconds(10), system));
  }

  Route route(List<Route> serviceRoutes, long maxBody, Duration bodyTimeout) {
    List<Route> all = new ArrayList<>(serviceRoutes);
    all.add(path(PathMatchers.segment("api").slash("openapi.yaml"), () -> get(this::openApi)));
    all.add(new WebAppRoutes().route());
    Route api = concat(all.get(0), all.subList(1, all.size()).toArray(new Route[0]));
    return measured(
        () ->
            withRequestTimeoutResponse(
                request -> HttpErrors.timeout(),
                () ->
                    handleExceptions(
                        HttpErrors.exceptionHandler(),
                        () ->
                            handleRejections(
                                HttpErrors.rejectionHandler(),
                                () ->
                                    withSizeLimit(
                                        maxBody, () -> strictBody(bodyTimeout, () -> api))))));
  }

  private Route openApi() {
    return getFromResource(
        "openapi.yaml",
        MediaTypes.applicationWithOpenCharset("yaml").toContentType(HttpCharsets.UTF_8));
  }

  /**
   * Reads the whole body (at most the size limit) before the routes see it; a body that does not
   * arrive within {@code timeout}, such as one shorter than its Content-Length, is a 408 at once
   * rather than a connection held open until the idle timeout; a body over the limit is 413, and a
   * body that cannot be read (a malformed chunk) is 400.
   */
  private Route strictBody(Duration timeout, Supplier<Route> inner) {
    return extractRequestEntity(
        entity ->
            entity.isKnownEmpty() || entity instanceof HttpEntity.Strict
                ? inner.get()
                : extractMaterializer(
                    materializer ->
                        onComplete(
                            entity.toStrict(timeout.toMillis(), materializer),
                            strict -> {
                              if (strict.isSuccess()) {
                                return mapRequest(r -> r.withEntity(strict.get()), inner);
                              }
                              return complete(HttpErrors.unreadableBody(strict.failed().get()));
                            })));
  }

  /**
   * Counts and times every answer, labelled by its route template, and gives each the security
   * headers.
   */
  private Route measured(Supplier<Route> inner) {
    return extractRequest(
        request -> {
          long start = System.nanoTime();
          return mapResponse(
              response -> {
                metrics.httpRequest(
                    request.method().name(),
                    routes.of(request.getUri().path()),
                    response.status().intValue(),
                    (System.nanoTime() - start) / 1e9);
                return HttpErrors.withSecurityHeaders(response);
              },
              inner);
        });
  }
}
