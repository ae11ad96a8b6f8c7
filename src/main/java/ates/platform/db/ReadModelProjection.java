package ates.platform.db;

import akka.actor.typed.ActorSystem;
import akka.cluster.sharding.typed.javadsl.ShardedDaemonProcess;
import akka.persistence.query.Offset;
import akka.projection.ProjectionBehavior;
import akka.projection.ProjectionId;
import akka.projection.eventsourced.EventEnvelope;
import akka.projection.eventsourced.javadsl.EventSourcedProvider;
import akka.projection.javadsl.GroupedProjection;
import akka.projection.javadsl.SourceProvider;
import akka.projection.jdbc.javadsl.JdbcHandler;
import akka.projection.jdbc.javadsl.JdbcProjection;
import ates.platform.Metrics;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * A read model kept by an exactly-once akka-projection-jdbc projection per tag: events are applied
 * in groups, and each group's rows and its projection offset are written in one transaction of the
 * service's database, so a crash never loses or doubles an update. The instances run under {@link
 * ShardedDaemonProcess} on the nodes of the service's role. Each group counts in the node's {@link
 * Metrics} as processed events and lag (the age of its newest event) of the projection's name; a
 * group whose transaction then fails is counted again when it is processed again.
 */
public final class ReadModelProjection {

  /** Writes one event's rows, on the group's connection and transaction. */
  @FunctionalInterface
  public interface RowWriter<E> {
    void write(Connection connection, EventEnvelope<E> envelope) throws SQLException;
  }

  private ReadModelProjection() {}

  public static <E> void start(
      ActorSystem<?> system,
      String name,
      List<String> tags,
      String readJournalPluginId,
      ServiceDatabase database,
      String role,
      RowWriter<E> writer) {
    Metrics metrics = Metrics.of(system);
    ShardedDaemonProcess.get(system)
        .init(
            ProjectionBehavior.Command.class,
            name,
            tags.size(),
            i -> {
              SourceProvider<Offset, EventEnvelope<E>> source =
                  EventSourcedProvider.eventsByTag(system, readJournalPluginId, tags.get(i));
              ProjectionId id = ProjectionId.of(name, tags.get(i));
              return ProjectionBehavior.create(
                  projection(system, id, source, database, writer, metrics, Clock.systemUTC()));
            },
            ates.platform.cluster.Leases.daemonProcess(system, role),
            Optional.of(ProjectionBehavior.stopMessage()));
  }

  /**
   * One instance: groups of up to 200 events or 50 ms, each group's rows and offset in one
   * transaction; its figures go to {@code metrics}, its lag measured by {@code clock}. Public so
   * that tests run it with a test source provider.
   */
  public static <E> GroupedProjection<Offset, EventEnvelope<E>> projection(
      ActorSystem<?> system,
      ProjectionId id,
      SourceProvider<Offset, EventEnvelope<E>> source,
      ServiceDatabase database,
      RowWriter<E> writer,
      Metrics metrics,
      Clock clock) {
    return JdbcProjection.groupedWithin(
            id,
            source,
            database::newSession,
            () -> new GroupHandler<>(id.name(), writer, metrics, clock),
            system)
        .withGroup(200, Duration.ofMillis(50));
  }

  static final class GroupHandler<E>
      extends JdbcHandler<List<EventEnvelope<E>>, PooledJdbcSession> {
    private final String projection;
    private final RowWriter<E> writer;
    private final Metrics metrics;
    private final Clock clock;

    GroupHandler(String projection, RowWriter<E> writer, Metrics metrics, Clock clock) {
      this.projection = projection;
      this.writer = writer;
      this.metrics = metrics;
      this.clock = clock;
    }

    @Override
    public void process(PooledJdbcSession session, List<EventEnvelope<E>> envelopes)
        throws Exception {
      session.withConnection(
          c -> {
            for (EventEnvelope<E> envelope : envelopes) writer.write(c, envelope);
            return null;
          });
      if (envelopes.isEmpty()) return;
      long newest = envelopes.stream().mapToLong(EventEnvelope::timestamp).max().getAsLong();
      metrics.projectionProcessed(projection, envelopes.size(), newest, clock.millis());
    }
  }
}
