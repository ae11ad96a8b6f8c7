package ates.platform;

import akka.actor.typed.ActorSystem;
import akka.http.javadsl.Http;
import akka.http.javadsl.ServerBinding;
import akka.http.javadsl.model.ContentTypes;
import akka.http.javadsl.model.HttpEntities;
import akka.http.javadsl.model.MediaTypes;
import akka.http.javadsl.server.AllDirectives;
import akka.http.javadsl.server.Route;
import ates.platform.http.HttpErrors;
import com.typesafe.config.Config;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletionStage;

/**
 * The node's HTTP API: the routes of its services, {@code /api/openapi.yaml} and {@code /metrics},
 * with problem+json errors, a body size limit and request metrics. Unbinds gracefully through
 * CoordinatedShutdown.
 */
public final class HttpServer extends AllDirectives {

  private final Metrics metrics;

  private HttpServer(Metrics metrics) {
    this.metrics = metrics;
  }

  public static CompletionStage<ServerBinding> bind(
      ActorSystem<?> system, Metrics metrics, List<Route> serviceRoutes) {
    Config http = system.settings().config().getConfig("ates.http");
    Route route = new HttpServer(metrics).route(serviceRoutes, http.getBytes("max-body"));
    return Http.get(system)
        .newServerAt(http.getString("interface"), http.getInt("port"))
        .bind(route)
        .thenApply(binding -> binding.addToCoordinatedShutdown(Duration.ofSeconds(10), system));
  }

  Route route(List<Route> serviceRoutes, long maxBody) {
    List<Route> all = new java.util.ArrayList<>(serviceRoutes);
    all.add(
            path(
                akka.http.javadsl.server.PathMatchers.segment("api").slash("openapi.yaml"),
                () ->
                    get(
                        () ->
                            getFromResource(
                                "openapi.yaml",
                                MediaTypes.applicationWithOpenCharset("yaml")
                                    .toContentType(akka.http.javadsl.model.HttpCharsets.UTF_8)))));
    all.add(
            path(
                "metrics",
                () ->
                    get(
                        () ->
                            complete(
                                HttpEntities.create(
                                    ContentTypes.TEXT_PLAIN_UTF8, metrics.scrape())))));
    Route api = concat(all.get(0), all.subList(1, all.size()).toArray(new Route[0]));
    return measured(
        withRequestTimeoutResponse(
            request -> HttpErrors.timeout(),
            () -> handleExceptions(
            HttpErrors.exceptionHandler(),
            () ->
                handleRejections(
                    HttpErrors.rejectionHandler(), () -> withSizeLimit(maxBody, () -> api)))));
  }

  private Route measured(Route inner) {
    return extractRequest(
        request -> {
          long start = System.nanoTime();
          return mapResponse(
              response -> {
                metrics.httpRequest(
                    request.method().name(),
                    response.status().intValue(),
                    (System.nanoTime() - start) / 1e9);
                return response;
              },
              () -> inner);
        });
  }
}
