package ates.platform.cluster;

import akka.actor.AbstractExtensionId;
import akka.actor.ActorSystem;
import akka.actor.ExtendedActorSystem;
import akka.actor.Extension;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Supplier;

/**
 * Akka Management readiness check: the node is ready once every service it runs has started and its
 * HTTP API is bound. Cluster membership is checked by Akka Management's own readiness check.
 */
public final class ServicesReadyCheck implements Supplier<CompletionStage<Boolean>> {

  private final Readiness readiness;

  public ServicesReadyCheck(ActorSystem system) {
    this.readiness = Readiness.ID.get(system);
  }

  @Override
  public CompletionStage<Boolean> get() {
    return CompletableFuture.completedFuture(readiness.ready.get());
  }

  /** Per actor system readiness flag, set by the node. */
  public static final class Readiness implements Extension {
    public static final ReadinessId ID = new ReadinessId();
    private final AtomicBoolean ready = new AtomicBoolean(false);

    public void set(boolean value) {
      ready.set(value);
    }
  }

  public static final class ReadinessId extends AbstractExtensionId<Readiness> {
    @Override
    public Readiness createExtension(ExtendedActorSystem system) {
      return new Readiness();
    }
  }
}
