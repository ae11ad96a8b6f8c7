package ates.platform.db;

import static org.junit.jupiter.api.Assertions.assertTrue;

import ates.testing.ReadModelTestKit;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A read model's figures: given journal events, when the production projection has written them,
 * then the scrape counts them and shows the age of the newest by the projection's clock.
 */
class ReadModelMetricsTest {

  private static final Instant NOW = Instant.parse("2024-03-04T09:00:10Z");

  private final ReadModelTestKit<String> readModel =
      ReadModelTestKit.<String>of("identity", "test-read-model", (connection, envelope) -> {})
          .withClock(Clock.fixed(NOW, ZoneOffset.UTC));

  @AfterEach
  void close() {
    readModel.close();
  }

  @Test
  void a_written_group_counts_its_events_and_the_age_of_its_newest() {
    readModel
        .given("Note|a", NOW.minusMillis(4000), "first")
        .given("Note|b", NOW.minusMillis(2500), "second");

    readModel.whenProjected(
        () -> {
          String scrape = readModel.scrape();
          assertTrue(
              scrape.contains("ates_projection_events_total{projection=\"test-read-model\"} 2.0"),
              scrape);
          assertTrue(
              scrape.contains("ates_projection_lag_seconds{projection=\"test-read-model\"} 2.5"),
              scrape);
        });
  }
}
