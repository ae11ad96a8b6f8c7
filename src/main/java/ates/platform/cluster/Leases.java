package ates.platform.cluster;

import akka.actor.typed.ActorSystem;
import akka.cluster.sharding.typed.ClusterShardingSettings;
import akka.cluster.sharding.typed.ShardedDaemonProcessSettings;
import akka.cluster.typed.ClusterSingletonSettings;
import akka.coordination.lease.LeaseUsageSettings;
import com.typesafe.config.Config;
import java.util.Optional;
import scala.concurrent.duration.FiniteDuration;

/**
 * The lease settings of a service's sharded entities, sharded daemon processes and singletons:
 * Akka's {@code use-lease} of sharding and of the singleton, given per service because each
 * service's leases live in its own database ({@code ates.lease.kind}: {@code postgres}, the section
 * {@code ates.lease.by-service.<service>}; {@code kubernetes}, the section {@code
 * akka.coordination.lease.kubernetes}; {@code off}, none).
 */
public final class Leases {

  private Leases() {}

  /** The lease section for {@code service}'s shards and singletons; empty when leases are off. */
  public static Optional<LeaseUsageSettings> usage(ActorSystem<?> system, String service) {
    Config config = system.settings().config();
    String kind = config.getString("ates.lease.kind").trim();
    FiniteDuration retry =
        FiniteDuration.fromNanos(config.getDuration("ates.lease.retry-interval").toNanos());
    return switch (kind) {
      case "off" -> Optional.empty();
      case "postgres" -> {
        String path = "ates.lease.by-service." + service;
        if (!config.hasPath(path)) {
          throw new IllegalStateException("No lease section " + path + " in the configuration");
        }
        yield Optional.of(new LeaseUsageSettings(path, retry));
      }
      case "kubernetes" -> {
        String path = "akka.coordination.lease.kubernetes";
        if (!config.hasPath(path + ".lease-class")) {
          throw new IllegalStateException(
              "ATES_LEASE=kubernetes needs akka-lease-kubernetes on the classpath (see k8s/README.md)");
        }
        yield Optional.of(new LeaseUsageSettings(path, retry));
      }
      default ->
          throw new IllegalArgumentException(
              "ATES_LEASE must be postgres, kubernetes or off; got '" + kind + "'");
    };
  }

  /** Sharding settings of an entity of {@code service}, with the service's lease. */
  public static ClusterShardingSettings sharding(ActorSystem<?> system, String service) {
    ClusterShardingSettings settings = ClusterShardingSettings.create(system).withRole(service);
    return usage(system, service).map(settings::withLeaseSettings).orElse(settings);
  }

  /** Sharded daemon process settings of {@code service}, with the service's lease. */
  public static ShardedDaemonProcessSettings daemonProcess(ActorSystem<?> system, String service) {
    ClusterShardingSettings sharding =
        ClusterShardingSettings.fromConfig(
                system
                    .settings()
                    .config()
                    .getConfig("akka.cluster.sharded-daemon-process.sharding"))
            .withRole(service);
    ClusterShardingSettings leased =
        usage(system, service).map(sharding::withLeaseSettings).orElse(sharding);
    return ShardedDaemonProcessSettings.create(system)
        .withRole(service)
        .withShardingSettings(leased);
  }

  /** Singleton settings of {@code service}, with the service's lease. */
  public static ClusterSingletonSettings singleton(ActorSystem<?> system, String service) {
    ClusterSingletonSettings settings = ClusterSingletonSettings.create(system).withRole(service);
    return usage(system, service).map(settings::withLeaseSettings).orElse(settings);
  }
}
