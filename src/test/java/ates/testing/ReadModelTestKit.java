package ates.testing;

import akka.NotUsed;
import akka.actor.testkit.typed.javadsl.ActorTestKit;
import akka.japi.function.Effect;
import akka.persistence.query.Offset;
import akka.projection.ProjectionId;
import akka.projection.eventsourced.EventEnvelope;
import akka.projection.testkit.javadsl.ProjectionTestKit;
import akka.projection.testkit.javadsl.TestSourceProvider;
import akka.stream.javadsl.Source;
import ates.platform.Metrics;
import ates.platform.db.ReadModelProjection;
import ates.platform.db.ServiceDatabase;
import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

/**
 * A read model's projection as production builds it ({@link ReadModelProjection#projection}: the
 * grouped exactly-once JDBC projection, its handler and offset store) run by akka-projection's
 * {@link ProjectionTestKit} over journal events given by the test instead of the journal, against a
 * fresh database of the service on the embedded PostgreSQL. No Kafka, no cluster, no HTTP.
 *
 * <p>Given: {@link #given} journal events. When / then: {@link #whenProjected} runs the projection
 * until the assertion holds (or fails after 10 s), then stops it.
 */
public final class ReadModelTestKit<E> implements AutoCloseable {

  private static final Duration MAX = Duration.ofSeconds(10);

  /** The projection settings of conf/persistence.conf, on a local actor system. */
  private static final Config CONFIG =
      ConfigFactory.parseString(
              String.join(
                  "\n",
                  "akka.actor.provider = local",
                  "akka.projection.jdbc.dialect = postgres-dialect",
                  "akka.projection.jdbc.offset-store.use-lowercase-schema = true",
                  "akka.projection.jdbc.blocking-jdbc-dispatcher.thread-pool-executor"
                      + ".fixed-pool-size = 2"))
          .withFallback(ConfigFactory.defaultReference());

  private final ActorTestKit testKit;
  private final ServiceDatabase database;
  private final String name;
  private final ReadModelProjection.RowWriter<E> writer;
  private final List<EventEnvelope<E>> journal = new ArrayList<>();

  /** The projection's figures; a registry of its own, as a local actor system has no cluster. */
  private final Metrics metrics = new Metrics();

  private Clock clock = Clock.systemUTC();

  private ReadModelTestKit(String service, String name, ReadModelProjection.RowWriter<E> writer) {
    this.testKit = ActorTestKit.create(name, CONFIG);
    this.database = TestInfra.freshDatabase(service);
    this.name = name;
    this.writer = writer;
  }

  /**
   * An actor system with the projection and blocking-JDBC settings production uses, for tests that
   * run a service's database work ({@link ServiceDatabase#useDispatcherOf}) without a node.
   */
  public static ActorTestKit actorTestKit(String name) {
    return ActorTestKit.create(name, CONFIG);
  }

  /** A read model of {@code service}, written by {@code writer}, on a database of its own. */
  public static <E> ReadModelTestKit<E> of(
      String service, String projectionName, ReadModelProjection.RowWriter<E> writer) {
    return new ReadModelTestKit<>(service, projectionName, writer);
  }

  public ServiceDatabase database() {
    return database;
  }

  /** The clock the projection measures its lag by. */
  public ReadModelTestKit<E> withClock(Clock clock) {
    this.clock = clock;
    return this;
  }

  /** The projection's figures, as {@code /metrics} would show them. */
  public String scrape() {
    return metrics.scrape();
  }

  /** Journal events of one entity, numbered on from its last given event. */
  @SafeVarargs
  public final ReadModelTestKit<E> given(String persistenceId, Instant at, E... events) {
    long seq = journal.stream().filter(e -> e.persistenceId().equals(persistenceId)).count();
    for (E event : events) {
      seq++;
      journal.add(
          EventEnvelope.create(
              Offset.sequence(journal.size() + 1), persistenceId, seq, event, at.toEpochMilli()));
    }
    return this;
  }

  /**
   * Runs a new instance of the projection (its own id, so no stored offset) from the first given
   * event, until {@code then} passes.
   */
  public void whenProjected(Effect then) {
    Source<EventEnvelope<E>, NotUsed> events = Source.from(List.copyOf(journal));
    TestSourceProvider<Offset, EventEnvelope<E>> source =
        TestSourceProvider.create(events, EventEnvelope::offset);
    ProjectionId id = ProjectionId.of(name, UUID.randomUUID().toString());
    ProjectionTestKit.create(testKit.system())
        .run(
            ReadModelProjection.projection(
                testKit.system(), id, source, database, writer, metrics, clock),
            MAX,
            then);
  }

  @Override
  public void close() {
    testKit.shutdownTestKit();
    database.close();
  }
}
