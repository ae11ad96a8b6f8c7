package ates.platform;

import akka.actor.AbstractExtensionId;
import akka.actor.ExtendedActorSystem;
import akka.actor.Extension;
import akka.actor.ExtensionIdProvider;
import akka.actor.typed.javadsl.Adapter;
import akka.http.javadsl.model.ContentTypes;
import akka.http.javadsl.model.HttpEntities;
import akka.http.javadsl.server.AllDirectives;
import akka.http.javadsl.server.Route;
import akka.management.javadsl.ManagementRouteProvider;
import akka.management.javadsl.ManagementRouteProviderSettings;

/**
 * {@code GET /metrics} (Prometheus text format) on the Akka Management port, for scrapers and
 * operators; registered in {@code akka.management.http.routes}. The public API port does not serve
 * it.
 */
public final class MetricsRoutes extends AbstractExtensionId<MetricsRoutes.Provider>
    implements ExtensionIdProvider {

  public static final MetricsRoutes ID = new MetricsRoutes();

  @Override
  public MetricsRoutes lookup() {
    return ID;
  }

  @Override
  public Provider createExtension(ExtendedActorSystem system) {
    return new Provider(Metrics.of(Adapter.toTyped(system)));
  }

  /** The route provider Akka Management asks for its routes. */
  public static final class Provider extends AllDirectives
      implements Extension, ManagementRouteProvider {
    private final Metrics metrics;

    Provider(Metrics metrics) {
      this.metrics = metrics;
    }

    @Override
    public Route routes(ManagementRouteProviderSettings settings) {
      return path(
          "metrics",
          () ->
              get(
                  () ->
                      complete(
                          HttpEntities.create(ContentTypes.TEXT_PLAIN_UTF8, metrics.scrape()))));
    }
  }
}
