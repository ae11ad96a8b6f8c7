package ates.platform;

import akka.Done;
import akka.actor.Cancellable;
import akka.actor.CoordinatedShutdown;
import akka.actor.typed.ActorSystem;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;

/** Periodic background work of a service, cancelled when the node stops serving (service-stop). */
public final class Periodic {

  private Periodic() {}

  public static void every(ActorSystem<?> system, String name, Duration interval, Runnable work) {
    Cancellable task =
        system
            .scheduler()
            .scheduleWithFixedDelay(interval, interval, work, system.executionContext());
    CoordinatedShutdown.get(system)
        .addTask(
            CoordinatedShutdown.PhaseServiceStop(),
            "stop-" + name,
            () -> {
              task.cancel();
              return CompletableFuture.completedFuture(Done.getInstance());
            });
  }
}
