package ates.analytics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ates.testing.TestInfra;
import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The {@code reconcile} command's failures: a wrong argument or unreachable servers exit 2 with one
 * line saying why, and print no report. (Exit 0 and 1 against real servers: {@code
 * ReconciliationEndToEndTest}.)
 */
class ReconcileCommandTest {

  private record Run(int code, String out, String err) {}

  private static Run run(Config config, List<String> args) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    int code =
        ReconcileCommand.run(
            config,
            args,
            new PrintStream(out, true, StandardCharsets.UTF_8),
            new PrintStream(err, true, StandardCharsets.UTF_8));
    return new Run(
        code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
  }

  private static void assertFailedWith(Run run, String reason) {
    assertEquals(ReconcileCommand.FAILED, run.code(), run.err());
    assertEquals("", run.out());
    assertEquals(1, run.err().lines().count(), run.err());
    assertTrue(run.err().startsWith("reconcile failed: "), run.err());
    assertTrue(run.err().contains(reason), run.err());
  }

  @Test
  void a_wrong_argument_or_date_is_refused_in_one_line() {
    assertFailedWith(run(ConfigFactory.empty(), List.of("--day", "2026-11-24")), "'--day'");
    assertFailedWith(run(ConfigFactory.empty(), List.of("--date", "2026-13-01")), "2026-13-01");
    assertFailedWith(run(ConfigFactory.empty(), List.of("--date=yesterday")), "YYYY-MM-DD");
  }

  @Test
  void kafka_not_answering_fails_in_one_line_within_the_read_timeout() {
    Config nobody =
        ConfigFactory.parseMap(
            Map.of(
                "ates.kafka.bootstrap-servers",
                "127.0.0.1:" + TestInfra.freePort(),
                "ates.analytics.reconciliation.read-timeout",
                "2s"));
    long start = System.nanoTime();
    assertFailedWith(run(nobody, List.of()), "Kafka at 127.0.0.1:");
    assertTrue(System.nanoTime() - start < 20_000_000_000L, "gave up within the timeout");
  }
}
