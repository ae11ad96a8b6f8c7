package ates.platform;

import akka.actor.typed.ActorSystem;
import akka.actor.typed.Extension;
import akka.actor.typed.ExtensionId;
import akka.cluster.MemberStatus;
import akka.cluster.typed.Cluster;
import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.Gauge;
import io.prometheus.metrics.core.metrics.GaugeWithCallback;
import io.prometheus.metrics.core.metrics.Histogram;
import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import io.prometheus.metrics.instrumentation.jvm.JvmMetrics;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.stream.StreamSupport;

/**
 * The node's Prometheus registry: JVM figures, HTTP requests, Akka cluster membership and the event
 * plumbing (published, consumed and dead-lettered records per topic; consumer lag per group, topic
 * and partition; events and lag per projection).
 */
public final class Metrics {

  /** The one registry of an actor system, with its cluster figures. */
  public static Metrics of(ActorSystem<?> system) {
    return system.registerExtension(Holder.ID).metrics;
  }

  private static final class Holder implements Extension {
    static final ExtensionId<Holder> ID =
        new ExtensionId<>() {
          @Override
          public Holder createExtension(ActorSystem<?> system) {
            Metrics metrics = new Metrics();
            metrics.registerCluster(system);
            return new Holder(metrics);
          }
        };

    final Metrics metrics;

    Holder(Metrics metrics) {
      this.metrics = metrics;
    }
  }

  private final PrometheusRegistry registry = new PrometheusRegistry();
  private final Counter httpRequests;
  private final Histogram httpDuration;
  private final Counter published;
  private final Counter consumed;
  private final Counter deadLettered;
  private final Counter projectionEvents;
  private final Gauge projectionLag;
  private final Gauge reconciliationMismatches;
  private final Counter streamRestarts;
  private final Histogram journalWriteDuration;
  private final Counter journalWriteFailures;
  private final Gauge projectionBacklogEvents;
  private final Gauge projectionBacklogAge;
  private final Gauge shardingShards;
  private final Gauge shardingEntities;
  private final java.util.Map<String, com.zaxxer.hikari.HikariDataSource> pools =
      new java.util.concurrent.ConcurrentHashMap<>();
  private volatile List<ConsumerLag> consumerLag = List.of();
  private volatile List<ates.platform.kafka.TopicDurability.Weakness> weakTopicSettings = List.of();

  /** How far a consumer group is behind on one partition: end offset minus committed offset. */
  public record ConsumerLag(String group, String topic, int partition, long lag) {}

  public Metrics() {
    JvmMetrics.builder().register(registry);
    httpRequests =
        Counter.builder()
            .name("ates_http_requests_total")
            .help("HTTP requests answered, by method and status")
            .labelNames("method", "status")
            .register(registry);
    httpDuration =
        Histogram.builder()
            .name("ates_http_request_duration_seconds")
            .help(
                "Time to answer HTTP requests, by method and route (the API's path template, such"
                    + " as /api/tasks/{taskId}; 'other' for any path outside the API)")
            .labelNames("method", "route")
            .register(registry);
    published =
        Counter.builder()
            .name("ates_events_published_total")
            .help("Event records published to Kafka, by topic")
            .labelNames("topic")
            .register(registry);
    consumed =
        Counter.builder()
            .name("ates_events_consumed_total")
            .help("Event records consumed and handled, by topic")
            .labelNames("topic")
            .register(registry);
    deadLettered =
        Counter.builder()
            .name("ates_events_dead_lettered_total")
            .help("Records sent to a dead-letter topic, by source topic")
            .labelNames("topic")
            .register(registry);
    projectionEvents =
        Counter.builder()
            .name("ates_projection_events_total")
            .help("Journal events processed by a projection (publisher or read model), by name")
            .labelNames("projection")
            .register(registry);
    projectionLag =
        Gauge.builder()
            .name("ates_projection_lag_seconds")
            .help(
                "Age of the newest journal event of the group a projection processed last,"
                    + " when it was processed, by projection name")
            .labelNames("projection")
            .register(registry);
    reconciliationMismatches =
        Gauge.builder()
            .name("ates_reconciliation_mismatches")
            .help(
                "Figures that differ between the task topics, the ledgers and analytics, found by"
                    + " the latest money reconciliation of this node")
            .register(registry);
    streamRestarts =
        Counter.builder()
            .name("ates_stream_restarts_total")
            .help(
                "Restarts of a Kafka consumer stream after a failure (RestartSource backoff), by"
                    + " stream (consumer group and topic)")
            .labelNames("stream")
            .register(registry);
    journalWriteDuration =
        Histogram.builder()
            .name("ates_journal_write_duration_seconds")
            .help(
                "Time the journal plugin takes for one write request (asyncWriteMessages: the"
                    + " events of one persist, queued and batched into JDBC inserts), by journal")
            .labelNames("journal")
            .register(registry);
    journalWriteFailures =
        Counter.builder()
            .name("ates_journal_write_failures_total")
            .help(
                "Journal write requests that failed (the entity stops and restarts) or were"
                    + " rejected (an event not serializable), by journal")
            .labelNames("journal")
            .register(registry);
    projectionBacklogEvents =
        Gauge.builder()
            .name("ates_projection_backlog_events")
            .help(
                "Journal events of a projection's tag after its stored offset (not processed yet),"
                    + " by projection and key (tag), sampled periodically")
            .labelNames("projection", "key")
            .register(registry);
    projectionBacklogAge =
        Gauge.builder()
            .name("ates_projection_backlog_age_seconds")
            .help(
                "Age of the oldest journal event a projection has not processed yet (0 when it is"
                    + " caught up); grows while a projection is stalled. By projection and key")
            .labelNames("projection", "key")
            .register(registry);
    shardingShards =
        Gauge.builder()
            .name("ates_sharding_shards")
            .help("Shards of an entity type hosted by this node, sampled periodically")
            .labelNames("type")
            .register(registry);
    shardingEntities =
        Gauge.builder()
            .name("ates_sharding_entities")
            .help("Entities of an entity type running on this node, sampled periodically")
            .labelNames("type")
            .register(registry);
    registerPools();
    GaugeWithCallback.builder()
        .name("ates_consumer_lag")
        .help(
            "Records a consumer group has yet to handle, by group, topic and partition: end offset"
                + " minus committed offset, sampled periodically")
        .labelNames("group", "topic", "partition")
        .callback(
            cb -> {
              for (ConsumerLag l : consumerLag) {
                cb.call(l.lag(), l.group(), l.topic(), Integer.toString(l.partition()));
              }
            })
        .register(registry);
    GaugeWithCallback.builder()
        .name("ates_kafka_topic_weak_settings")
        .help(
            "Settings of existing topics weaker than aTES creates them (replication.factor,"
                + " min.insync.replicas, unclean.leader.election.enable), found at start-up;"
                + " the sum is 0 when all topics are durable")
        .labelNames("topic", "setting")
        .callback(
            cb -> {
              for (var w : weakTopicSettings) cb.call(1, w.topic(), w.setting());
            })
        .register(registry);
    GaugeWithCallback.builder()
        .name("ates_kafka_topics_weak")
        .help("Number of weaker topic settings found at start-up (0: every topic durable)")
        .callback(cb -> cb.call(weakTopicSettings.size()))
        .register(registry);
  }

  /** The weaker topic settings found at start-up (KafkaPlatform.ensureTopics). */
  public void kafkaTopicWeaknesses(List<ates.platform.kafka.TopicDurability.Weakness> weak) {
    weakTopicSettings = List.copyOf(weak);
  }

  /** Registers the Akka cluster figures of the node's actor system. */
  public void registerCluster(ActorSystem<?> system) {
    Cluster cluster = Cluster.get(system);
    GaugeWithCallback.builder()
        .name("ates_akka_cluster_members")
        .help("Members of the Akka cluster as this node sees them, by status")
        .labelNames("status")
        .callback(
            cb -> {
              var members = cluster.state().getMembers();
              for (MemberStatus status :
                  new MemberStatus[] {
                    MemberStatus.up(),
                    MemberStatus.joining(),
                    MemberStatus.leaving(),
                    MemberStatus.exiting(),
                    MemberStatus.weaklyUp()
                  }) {
                long n =
                    StreamSupport.stream(members.spliterator(), false)
                        .filter(m -> m.status().equals(status))
                        .count();
                cb.call(n, status.toString().toLowerCase());
              }
            })
        .register(registry);
    GaugeWithCallback.builder()
        .name("ates_akka_cluster_unreachable_members")
        .help("Members of the Akka cluster this node sees as unreachable")
        .callback(cb -> cb.call(cluster.state().getUnreachable().size()))
        .register(registry);
  }

  /**
   * An HTTP answer; {@code route} must come from a bounded set (a path template, see {@link
   * ates.platform.http.RouteTemplates}), never the raw path.
   */
  public void httpRequest(String method, String route, int status, double seconds) {
    httpRequests.labelValues(method, Integer.toString(status)).inc();
    httpDuration.labelValues(method, route).observe(seconds);
  }

  /** A consumer stream failed and is started again after its backoff. */
  public void streamRestarted(String stream) {
    streamRestarts.labelValues(stream).inc();
  }

  /** Makes the stream's restart counter visible at 0 before its first restart. */
  public void streamStarted(String stream) {
    streamRestarts.labelValues(stream);
  }

  /** One write request of a journal plugin took {@code seconds}; {@code failed} if it failed. */
  public void journalWrite(String journal, double seconds, boolean failed) {
    journalWriteDuration.labelValues(journal).observe(seconds);
    if (failed) journalWriteFailures.labelValues(journal).inc();
    else journalWriteFailures.labelValues(journal);
  }

  /** The backlog of one projection instance, as sampled from its database. */
  public void projectionBacklog(String projection, String key, long events, double ageSeconds) {
    projectionBacklogEvents.labelValues(projection, key).set(events);
    projectionBacklogAge.labelValues(projection, key).set(ageSeconds);
  }

  /** Shards and entities of an entity type on this node. */
  public void sharding(String type, int shards, int entities) {
    shardingShards.labelValues(type).set(shards);
    shardingEntities.labelValues(type).set(entities);
  }

  /** Exports a HikariCP pool as {@code ates_db_pool_*{pool}}, read on each scrape. */
  public void pool(String name, com.zaxxer.hikari.HikariDataSource pool) {
    pools.put(name, pool);
  }

  private void registerPools() {
    poolGauge(
        "ates_db_pool_active_connections",
        "Connections of a HikariCP pool in use, by pool",
        com.zaxxer.hikari.HikariPoolMXBean::getActiveConnections);
    poolGauge(
        "ates_db_pool_idle_connections",
        "Idle connections of a HikariCP pool, by pool",
        com.zaxxer.hikari.HikariPoolMXBean::getIdleConnections);
    poolGauge(
        "ates_db_pool_pending_threads",
        "Threads waiting for a connection of a HikariCP pool, by pool",
        com.zaxxer.hikari.HikariPoolMXBean::getThreadsAwaitingConnection);
    GaugeWithCallback.builder()
        .name("ates_db_pool_max_connections")
        .help("Maximum size of a HikariCP pool, by pool")
        .labelNames("pool")
        .callback(cb -> pools.forEach((name, ds) -> cb.call(ds.getMaximumPoolSize(), name)))
        .register(registry);
  }

  private void poolGauge(
      String name,
      String help,
      java.util.function.ToIntFunction<com.zaxxer.hikari.HikariPoolMXBean> figure) {
    GaugeWithCallback.builder()
        .name(name)
        .help(help)
        .labelNames("pool")
        .callback(
            cb ->
                pools.forEach(
                    (pool, ds) -> {
                      // null until the pool has started, and after it is closed
                      var bean = ds.isClosed() ? null : ds.getHikariPoolMXBean();
                      if (bean != null) cb.call(figure.applyAsInt(bean), pool);
                    }))
        .register(registry);
  }

  public void eventPublished(String topic) {
    published.labelValues(topic).inc();
  }

  public void eventConsumed(String topic) {
    consumed.labelValues(topic).inc();
  }

  public void eventDeadLettered(String topic) {
    deadLettered.labelValues(topic).inc();
  }

  /**
   * A projection processed a group of journal events, the newest written at {@code newestMillis}
   * (journal time), at {@code nowMillis}.
   */
  public void projectionProcessed(
      String projection, int events, long newestMillis, long nowMillis) {
    projectionEvents.labelValues(projection).inc(events);
    projectionLag.labelValues(projection).set(Math.max(0, nowMillis - newestMillis) / 1000.0);
  }

  /** Mismatches found by the latest reconciliation run. */
  public void reconciliationMismatches(int mismatches) {
    reconciliationMismatches.set(mismatches);
  }

  /** The latest consumer lag sample; it replaces the previous one whole. */
  public void consumerLag(List<ConsumerLag> sample) {
    consumerLag = List.copyOf(sample);
  }

  /** The registry itself, for figures that other parts of the node register as callbacks. */
  public PrometheusRegistry registry() {
    return registry;
  }

  /** The registry in Prometheus text format. */
  public String scrape() {
    try {
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      new PrometheusTextFormatWriter(false).write(out, registry.scrape());
      return out.toString(java.nio.charset.StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
