package ates.tasks;

import akka.Done;
import akka.actor.typed.ActorSystem;
import akka.cluster.sharding.typed.javadsl.ClusterSharding;
import akka.cluster.sharding.typed.javadsl.Entity;
import akka.http.javadsl.server.Route;
import ates.platform.Service;
import ates.platform.ServiceContext;
import ates.platform.cluster.Leases;
import ates.platform.db.RebuildableReadModel;
import ates.platform.kafka.EventPublisher;
import java.time.Clock;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * The task tracker: sharded tasks, the "my tasks" read model, the worker directory fed by the
 * {@code Users} topic, and the {@code TaskCreated}, {@code TaskAssigned} and {@code TaskCompleted}
 * topics.
 */
public final class TasksService implements Service {

  public static final String NAME = "tasks";

  private final CompletableFuture<Done> ready = new CompletableFuture<>();

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public List<RebuildableReadModel> readModels() {
    return List.of(TaskReadModel.READ_MODEL);
  }

  @Override
  public Route start(ServiceContext ctx) {
    ActorSystem<?> system = ctx.system();
    ClusterSharding.get(system)
        .init(
            Entity.of(
                    Task.ENTITY_KEY,
                    entity -> Task.create(entity.getEntityId(), ctx.journal(), Clock.systemUTC()))
                .withRole(NAME)
                .withSettings(Leases.sharding(system, NAME)));

    TaskReadModel readModel = new TaskReadModel(ctx.database());
    readModel.startProjection(system, ctx.readJournalPluginId());
    EventPublisher.<Task.Event>start(
        system,
        NAME,
        ctx.readJournalPluginId(),
        Task.TAGS,
        ctx.database(),
        ctx.kafka(),
        ctx.metrics(),
        TaskEvents::toContract);

    WorkerDirectory workers = new WorkerDirectory(ctx.database());
    workers
        .start(ctx)
        .whenComplete(
            (d, e) -> {
              if (e == null) ready.complete(Done.getInstance());
              else ready.completeExceptionally(e);
            });
    return new TaskRoutes(system, ctx.jwt(), readModel, workers, ctx.askTimeout()).route();
  }

  @Override
  public CompletionStage<Done> ready() {
    return ready;
  }
}
