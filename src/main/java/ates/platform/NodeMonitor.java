package ates.platform;

import akka.actor.typed.ActorSystem;
import akka.actor.typed.javadsl.Adapter;
import akka.cluster.sharding.ClusterSharding;
import akka.cluster.sharding.ShardRegion;
import akka.pattern.Patterns;
import akka.persistence.jdbc.db.SlickExtension;
import akka.persistence.jdbc.db.SlickExtensionImpl;
import ates.platform.db.ServiceDatabase;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The node's figures that are not counted where they happen: its connection pools (read on each
 * scrape), and, every {@code ates.metrics-interval}, the shards and entities of each entity type on
 * this node and the backlog of each projection of its services' databases. A sample that fails is
 * logged at debug and skipped; the previous values stay.
 */
final class NodeMonitor {

  private static final Logger log = LoggerFactory.getLogger(NodeMonitor.class);

  /**
   * For each projection instance with a stored offset: the events of its tag after that offset and
   * the write time of the oldest of them. The offset of an eventsByTag projection on the jdbc read
   * journal is the journal's ordering.
   */
  private static final String BACKLOG =
      "SELECT o.projection_name, o.projection_key, count(j.ordering) AS events,"
          + " min(j.write_timestamp) AS oldest"
          + " FROM akka_projection_offset_store o"
          + " LEFT JOIN event_tag t ON t.tag = o.projection_key"
          + "   AND t.event_id > CAST(o.current_offset AS BIGINT)"
          + " LEFT JOIN event_journal j ON j.ordering = t.event_id"
          + " WHERE o.manifest = 'SEQ'"
          + " GROUP BY o.projection_name, o.projection_key";

  private NodeMonitor() {}

  static void start(ActorSystem<?> system, Metrics metrics, List<ServiceDatabase> databases) {
    var config = system.settings().config();
    SlickExtensionImpl slick = (SlickExtensionImpl) SlickExtension.get(Adapter.toClassic(system));
    for (ServiceDatabase db : databases) {
      String service = db.service();
      metrics.pool(service, db.dataSource());
      for (String plugin : List.of("journal", "query")) {
        String path = "ates." + service + "." + plugin;
        if (!config.hasPath(path)) continue;
        var source = slick.database(config.getConfig(path)).database().source();
        if (source instanceof slick.jdbc.hikaricp.HikariCPJdbcDataSource hikari) {
          metrics.pool(
              service + "-" + (plugin.equals("journal") ? "journal" : "read-journal"), hikari.ds());
        }
      }
    }
    Duration interval = config.getDuration("ates.metrics-interval");
    Periodic.every(
        system,
        "node-monitor",
        interval,
        () -> {
          sampleSharding(system, metrics, interval);
          for (ServiceDatabase db : databases) {
            // opened on first use by leases or the cluster guard
            db.openCoordinationDataSource()
                .ifPresent(pool -> metrics.pool(db.service() + "-coordination", pool));
            sampleBacklog(db, metrics);
          }
        });
  }

  private static void sampleSharding(ActorSystem<?> system, Metrics metrics, Duration timeout) {
    ClusterSharding sharding = ClusterSharding.get(Adapter.toClassic(system));
    for (String type : scala.jdk.javaapi.CollectionConverters.asJava(sharding.shardTypeNames())) {
      Patterns.ask(sharding.shardRegion(type), ShardRegion.getShardRegionStateInstance(), timeout)
          .whenComplete(
              (answer, failure) -> {
                if (answer instanceof ShardRegion.CurrentShardRegionState state) {
                  int entities = 0;
                  for (ShardRegion.ShardState shard : state.getShards()) {
                    entities += shard.getEntityIds().size();
                  }
                  metrics.sharding(type, state.getShards().size(), entities);
                } else if (failure != null) {
                  log.debug("Shard region state of {} unknown: {}", type, failure.toString());
                }
              });
    }
  }

  /** Samples the backlog of each projection of {@code db} into {@code metrics}. */
  static java.util.concurrent.CompletionStage<Void> sampleBacklog(
      ServiceDatabase db, Metrics metrics) {
    long now = System.currentTimeMillis();
    return db.<Void>query(
            c -> {
              try (PreparedStatement ps = c.prepareStatement(BACKLOG);
                  ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                  long events = rs.getLong("events");
                  long oldest = rs.getLong("oldest");
                  double age = events == 0 || rs.wasNull() ? 0 : Math.max(0, now - oldest) / 1000.0;
                  metrics.projectionBacklog(
                      rs.getString("projection_name"), rs.getString("projection_key"), events, age);
                }
              }
              return null;
            })
        .whenComplete(
            (done, failure) -> {
              if (failure != null) {
                log.debug("Projection backlog of {} unknown: {}", db.service(), failure.toString());
              }
            });
  }
}
