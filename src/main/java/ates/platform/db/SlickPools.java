package ates.platform.db;

import akka.actor.typed.ActorSystem;
import akka.actor.typed.javadsl.Adapter;
import akka.persistence.jdbc.db.SlickExtension;
import akka.persistence.jdbc.db.SlickExtensionImpl;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.BrokenBarrierException;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Starts every thread of the journals' Slick pools before anything uses them.
 *
 * <p>Slick 3.4.1 (under akka-persistence-jdbc 5.2.1) limits the actions holding a connection in its
 * queue, but its thread pool hands a task straight to a thread it is still creating, past that
 * limit; the thread then dies on {@code IllegalArgumentException: requirement failed: count cannot
 * be increased}, and the query it was given never runs: a projection waits on it for good (seen on
 * a node replaying whole journals after a restore or a read-model rebuild). Slick 3.5 fixed it
 * (slick/slick#2619), which is not on this stack. Once every core thread exists, the pool never
 * creates one again (Slick's pools keep their core threads), so every task goes through the queue.
 */
public final class SlickPools {

  private static final Logger log = LoggerFactory.getLogger(SlickPools.class);

  private SlickPools() {}

  /**
   * Starts the threads of the journal and read-journal pools of {@code services} (those that have a
   * journal), {@code threads} each.
   */
  public static void prestart(
      ActorSystem<?> system, List<String> services, int threads, Duration timeout) {
    var config = system.settings().config();
    SlickExtensionImpl slick = (SlickExtensionImpl) SlickExtension.get(Adapter.toClassic(system));
    for (String service : services) {
      for (String plugin : List.of("journal", "query")) {
        String path = "ates." + service + "." + plugin;
        if (!config.hasPath(path)) continue;
        scala.concurrent.ExecutionContext pool =
            slick.database(config.getConfig(path)).database().executor().executionContext();
        Executor executor = pool::execute;
        if (!prestart(executor, threads, timeout)) {
          log.warn(
              "Not every thread of the {} pool started within {} ms; a first busy start may hang"
                  + " a query (Slick 3.4.1)",
              path,
              timeout.toMillis());
        }
      }
    }
  }

  /**
   * Gives {@code threads} tasks to {@code executor} that each wait for all the others: they can
   * only all run on {@code threads} threads at once, so the pool has that many when this returns
   * true; false when they did not meet within {@code timeout}.
   */
  static boolean prestart(Executor executor, int threads, Duration timeout) {
    CyclicBarrier barrier = new CyclicBarrier(threads + 1);
    AtomicInteger met = new AtomicInteger();
    for (int i = 0; i < threads; i++) {
      executor.execute(
          () -> {
            try {
              barrier.await(timeout.toMillis(), TimeUnit.MILLISECONDS);
              met.incrementAndGet();
            } catch (InterruptedException e) {
              Thread.currentThread().interrupt();
            } catch (BrokenBarrierException | TimeoutException e) {
              // reported below
            }
          });
    }
    try {
      barrier.await(timeout.toMillis(), TimeUnit.MILLISECONDS);
      return true;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    } catch (BrokenBarrierException | TimeoutException e) {
      barrier.reset();
      return false;
    }
  }
}
