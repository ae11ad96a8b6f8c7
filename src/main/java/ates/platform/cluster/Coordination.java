package ates.platform.cluster;

import akka.actor.typed.ActorSystem;
import ates.platform.db.ServiceDatabase;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import javax.sql.DataSource;

/** What a node does before its services start: leases find their databases, the guard checks. */
public final class Coordination {

  private Coordination() {}

  /**
   * Registers each service database for {@link PostgresLease} and runs the {@link ClusterGuard}
   * (which waits until this node is a cluster member).
   *
   * @throws ClusterGuard.RefusedException when another live cluster uses one of the databases
   */
  public static void start(ActorSystem<?> system, List<ServiceDatabase> databases) {
    var config = system.settings().config();
    if (config.getString("ates.lease.kind").trim().equals("postgres")) {
      // bad timings fail the start, not every shard later
      LeaseTiming.from(config.getConfig("ates.lease.postgres"));
    }
    var timeout = config.getDuration("ates.lease.operation-timeout");
    Map<String, DataSource> pools = new LinkedHashMap<>();
    for (ServiceDatabase db : databases) {
      pools.put(db.service(), db.coordinationDataSource(timeout));
    }
    pools.forEach(LeaseDatabases.get(system)::register);
    ClusterGuard.checkAndKeep(system, pools);
  }
}
