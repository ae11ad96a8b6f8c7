package ates.platform.kafka;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import akka.persistence.query.Offset;
import akka.projection.eventsourced.EventEnvelope;
import ates.contract.Role;
import ates.contract.Topics;
import ates.contract.events.UserRegisteredV1;
import ates.platform.Metrics;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.producer.MockProducer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;

/**
 * A publishing projection's figures: given a group of journal events, when the publisher's handler
 * has every record acknowledged, then the scrape counts the group's events and shows its lag (the
 * age of its newest event by the handler's clock); a group not acknowledged counts nothing.
 */
class ProjectionMetricsTest {

  private static final Instant NOW = Instant.parse("2024-03-04T09:00:10Z");
  private static final String PROJECTION = "publish-users";

  private final Metrics metrics = new Metrics();
  private final MockProducer<String, byte[]> producer =
      new MockProducer<>(true, new StringSerializer(), new ByteArraySerializer());

  @Test
  void an_acknowledged_group_counts_its_events_and_the_age_of_its_newest() throws Exception {
    List<EventEnvelope<UserRegisteredV1>> group =
        List.of(journaled(1, NOW.minusMillis(4000)), journaled(2, NOW.minusMillis(1500)));

    handler(producer).process(group).toCompletableFuture().get(5, TimeUnit.SECONDS);

    String scrape = metrics.scrape();
    assertEquals(2, producer.history().size());
    assertTrue(
        scrape.contains("ates_projection_events_total{projection=\"publish-users\"} 2.0"), scrape);
    assertTrue(
        scrape.contains("ates_projection_lag_seconds{projection=\"publish-users\"} 1.5"), scrape);
  }

  @Test
  void a_group_kafka_refuses_counts_nothing() {
    MockProducer<String, byte[]> refusing =
        new MockProducer<>(false, new StringSerializer(), new ByteArraySerializer());
    CompletableFuture<?> done =
        handler(refusing)
            .process(List.of(journaled(1, NOW.minusMillis(100))))
            .toCompletableFuture();

    refusing.errorNext(new IllegalStateException("broker gone"));

    assertTrue(done.isCompletedExceptionally());
    assertFalse(metrics.scrape().contains("projection=\"publish-users\"} 1.0"), metrics.scrape());
  }

  private EventPublisher.PublishingHandler<UserRegisteredV1> handler(
      MockProducer<String, byte[]> kafka) {
    return new EventPublisher.PublishingHandler<>(
        PROJECTION,
        "identity",
        kafka,
        "",
        metrics,
        Clock.fixed(NOW, ZoneOffset.UTC),
        e ->
            List.of(
                new OutgoingEvent(
                    Topics.USERS,
                    e.userId().toString(),
                    UserRegisteredV1.NAME,
                    UserRegisteredV1.VERSION,
                    e,
                    e.registeredAt())));
  }

  private static EventEnvelope<UserRegisteredV1> journaled(long seqNr, Instant at) {
    UUID id = UUID.randomUUID();
    UserRegisteredV1 event =
        UserRegisteredV1.builder()
            .userId(id)
            .login("user" + seqNr)
            .fullName("User " + seqNr)
            .email("user" + seqNr + "@example.com")
            .role(Role.WORKER)
            .registeredAt(at)
            .build();
    return EventEnvelope.create(
        Offset.sequence(seqNr), "User|" + id, seqNr, event, at.toEpochMilli());
  }
}
