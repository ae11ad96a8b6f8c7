package ates.platform;

import akka.Done;
import akka.http.javadsl.server.Route;
import ates.platform.db.RebuildableReadModel;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/** One aTES service: started on the nodes whose {@code ATES_SERVICES} name it. */
public interface Service {

  /** The service name: its cluster role, database suffix and Flyway location. */
  String name();

  /** Starts entities, projections and consumers; returns the service's HTTP routes. */
  Route start(ServiceContext context);

  /**
   * The read models this service builds from its journal alone, for {@code rebuild-read-models}
   * (none by default).
   */
  default List<RebuildableReadModel> readModels() {
    return List.of();
  }

  /**
   * Completes when the service's start-up work (such as creating the bootstrap admin) is done; the
   * node reports ready only then.
   */
  default CompletionStage<Done> ready() {
    return CompletableFuture.completedFuture(Done.getInstance());
  }
}
