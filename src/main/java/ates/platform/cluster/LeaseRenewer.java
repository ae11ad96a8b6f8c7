package ates.platform.cluster;

import akka.actor.ExtendedActorSystem;
import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.HashSet;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import javax.sql.DataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps the leases one owner holds in one service database: a single conditional UPDATE renews all
 * of them every heartbeat interval, and a lease is given up (its lost callback called) as soon as
 * either the UPDATE does not return it (its row expired or another owner took it), or no renewal
 * has succeeded for {@link LeaseTiming#localValidity()} (the database is unreachable), which is
 * before the row can expire.
 */
final class LeaseRenewer {

  private static final Logger log = LoggerFactory.getLogger(LeaseRenewer.class);

  private final DataSource dataSource;
  private final String service;
  private final String owner;
  private final LeaseTiming timing;
  private final Executor executor;
  private final Map<String, Held> held = new ConcurrentHashMap<>();
  private final AtomicBoolean renewing = new AtomicBoolean();
  private volatile long lastRenewalSent = System.nanoTime();
  private volatile boolean failing;

  /** One held lease: when its last successful renewal (or its acquisition) was sent. */
  private static final class Held {
    final Consumer<Optional<Throwable>> onLost;
    volatile long validFrom;

    Held(long validFrom, Consumer<Optional<Throwable>> onLost) {
      this.validFrom = validFrom;
      this.onLost = onLost;
    }
  }

  private LeaseRenewer(
      DataSource dataSource, String service, String owner, LeaseTiming timing, Executor executor) {
    this.dataSource = dataSource;
    this.service = service;
    this.owner = owner;
    this.timing = timing;
    this.executor = executor;
  }

  static LeaseRenewer start(
      ExtendedActorSystem system,
      DataSource dataSource,
      String service,
      String owner,
      LeaseTiming timing) {
    Executor executor = system.dispatchers().lookup("ates.lease.dispatcher");
    LeaseRenewer renewer = new LeaseRenewer(dataSource, service, owner, timing, executor);
    Duration period = timing.checkPeriod();
    // The deadline check runs on the default dispatcher, never behind blocked JDBC calls.
    system.scheduler().scheduleWithFixedDelay(period, period, renewer::tick, system.dispatcher());
    return renewer;
  }

  Executor executor() {
    return executor;
  }

  DataSource dataSource() {
    return dataSource;
  }

  LeaseTiming timing() {
    return timing;
  }

  String owner() {
    return owner;
  }

  void hold(String name, long sentAt, Consumer<Optional<Throwable>> onLost) {
    held.put(name, new Held(sentAt, onLost));
  }

  void forget(String name) {
    held.remove(name);
  }

  boolean holds(String name) {
    Held h = held.get(name);
    return h != null && System.nanoTime() - h.validFrom < timing.localValidity().toNanos();
  }

  private void tick() {
    long now = System.nanoTime();
    for (Map.Entry<String, Held> e : held.entrySet()) {
      if (now - e.getValue().validFrom >= timing.localValidity().toNanos()) {
        lost(
            e.getKey(),
            e.getValue(),
            "not renewed for "
                + timing.localValidity().toMillis()
                + " ms (database unreachable?); it expires in the database "
                + timing.safetyMargin().toMillis()
                + " ms later at the earliest");
      }
    }
    if (!held.isEmpty()
        && now - lastRenewalSent >= timing.heartbeatInterval().toNanos()
        && renewing.compareAndSet(false, true)) {
      lastRenewalSent = now;
      Map<String, Held> snapshot = Map.copyOf(held);
      try {
        executor.execute(() -> renew(snapshot, now));
      } catch (RuntimeException e) {
        renewing.set(false);
      }
    }
  }

  private void renew(Map<String, Held> snapshot, long sent) {
    try {
      Set<String> renewed = renewAll(snapshot.keySet());
      if (failing) {
        failing = false;
        log.info("Lease renewal in the {} database works again", service);
      }
      for (Map.Entry<String, Held> e : snapshot.entrySet()) {
        Held h = e.getValue();
        if (renewed.contains(e.getKey())) {
          if (held.get(e.getKey()) == h && h.validFrom < sent) h.validFrom = sent;
        } else {
          lost(e.getKey(), h, "its row expired or another owner took it");
        }
      }
    } catch (SQLException | RuntimeException e) {
      if (!failing) {
        failing = true;
        log.warn(
            "Lease renewal in the {} database failed ({} leases held): {}",
            service,
            snapshot.size(),
            e.getMessage());
      }
    } finally {
      renewing.set(false);
    }
  }

  private Set<String> renewAll(Set<String> names) throws SQLException {
    try (Connection c = dataSource.getConnection();
        PreparedStatement ps =
            c.prepareStatement(
                "UPDATE akka_lease SET expires_at = now() + ? * interval '1 millisecond' "
                    + "WHERE owner = ? AND name = ANY(?) AND expires_at > now() RETURNING name")) {
      ps.setQueryTimeout(PostgresLease.seconds(timing.operationTimeout()));
      ps.setLong(1, timing.duration().toMillis());
      ps.setString(2, owner);
      Array array = c.createArrayOf("text", names.toArray());
      ps.setArray(3, array);
      Set<String> renewed = new HashSet<>();
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) renewed.add(rs.getString("name"));
      }
      return renewed;
    }
  }

  private void lost(String name, Held h, String reason) {
    if (!held.remove(name, h)) return;
    log.warn("Lease {} of {} lost: {}", name, owner, reason);
    // the callbacks of sharding and the singleton only send a message: called right here
    h.onLost.accept(Optional.of(new akka.coordination.lease.LeaseException(reason)));
  }
}
