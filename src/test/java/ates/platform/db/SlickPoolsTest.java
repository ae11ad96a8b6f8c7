package ates.platform.db;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import org.junit.jupiter.api.Test;
import slick.util.AsyncExecutor;

/**
 * Slick's pool as akka-persistence-jdbc configures it (as many threads as connections, a bounded
 * queue): after {@link SlickPools#prestart} every one of its threads exists, and it says so only
 * when they do.
 */
class SlickPoolsTest {

  private static long threadsNamed(String prefix) {
    return Thread.getAllStackTraces().keySet().stream()
        .filter(t -> t.isAlive() && t.getName().startsWith(prefix))
        .count();
  }

  @Test
  void every_thread_of_the_pool_runs_after_prestart() {
    AsyncExecutor pool = AsyncExecutor.apply("slick-prestart-a", 4, 4, 100, 4);
    try {
      assertEquals(0, threadsNamed("slick-prestart-a-"));
      assertTrue(SlickPools.prestart(pool.executionContext()::execute, 4, Duration.ofSeconds(10)));
      assertEquals(4, threadsNamed("slick-prestart-a-"));
    } finally {
      pool.close();
    }
  }

  @Test
  void more_threads_than_the_pool_has_are_reported_as_not_started() {
    AsyncExecutor pool = AsyncExecutor.apply("slick-prestart-b", 2, 2, 100, 2);
    try {
      assertFalse(SlickPools.prestart(pool.executionContext()::execute, 3, Duration.ofMillis(500)));
    } finally {
      pool.close();
    }
  }
}
