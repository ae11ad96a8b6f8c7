package ates.platform.cluster;

import akka.actor.AbstractExtensionId;
import akka.actor.ExtendedActorSystem;
import akka.actor.Extension;
import akka.actor.typed.ActorSystem;
import akka.actor.typed.javadsl.Adapter;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import javax.sql.DataSource;

/**
 * Per actor system: the database of each service this node runs, where that service's leases live
 * ({@link PostgresLease} finds its database here by the {@code service} of its lease settings), and
 * the renewers that heartbeat the leases a node holds.
 */
public final class LeaseDatabases implements Extension {

  public static final Id ID = new Id();

  private final Map<String, DataSource> byService = new ConcurrentHashMap<>();
  private final Map<String, LeaseRenewer> renewers = new ConcurrentHashMap<>();
  private final ExtendedActorSystem system;
  private volatile String firstService;

  private LeaseDatabases(ExtendedActorSystem system) {
    this.system = system;
  }

  public static LeaseDatabases get(ActorSystem<?> system) {
    return ID.get(Adapter.toClassic(system));
  }

  /** Registers the database of a service (the node does this before any service starts). */
  public synchronized void register(String service, DataSource dataSource) {
    byService.put(service, dataSource);
    if (firstService == null) firstService = service;
  }

  DataSource dataSource(String service) {
    if (service.isBlank()) {
      // the Split Brain Resolver's lease: the database of the node's first service
      String first = firstService;
      if (first == null) throw new IllegalStateException("No database registered for leases");
      return byService.get(first);
    }
    DataSource ds = byService.get(service);
    if (ds == null) {
      throw new IllegalStateException(
          "No database registered for leases of service '"
              + service
              + "' (known: "
              + byService.keySet()
              + "); a lease of a service must run on a node of that service");
    }
    return ds;
  }

  /** The one renewer of this node's leases of {@code service} held by {@code owner}. */
  LeaseRenewer renewer(String service, String owner, LeaseTiming timing) {
    return renewers.computeIfAbsent(
        (service.isBlank() ? firstService : service) + "|" + owner + "|" + timing,
        k -> LeaseRenewer.start(system, dataSource(service), k.split("\\|")[0], owner, timing));
  }

  public static final class Id extends AbstractExtensionId<LeaseDatabases> {
    @Override
    public LeaseDatabases createExtension(ExtendedActorSystem system) {
      return new LeaseDatabases(system);
    }
  }
}
