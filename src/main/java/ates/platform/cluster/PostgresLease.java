package ates.platform.cluster;

import akka.actor.ExtendedActorSystem;
import akka.coordination.lease.LeaseSettings;
import akka.coordination.lease.javadsl.Lease;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An Akka Coordination {@link Lease} in the {@code akka_lease} table of a service's own database
 * (the {@code service} of the lease settings; see {@link LeaseDatabases}). Every operation is one
 * conditional statement, and every expiry a time of the database's clock ({@code now()}):
 *
 * <ul>
 *   <li>acquire: an upsert that takes the row only when it is free, expired, or already this
 *       owner's; one row changed means acquired;
 *   <li>heartbeat: one UPDATE per owner and database renews every lease the owner holds there, only
 *       while each is still unexpired and the owner's ({@link LeaseRenewer});
 *   <li>release: the row expires now, if it is still this owner's.
 * </ul>
 *
 * The holder stops trusting a lease {@code safety-margin} before the row can expire ({@link
 * LeaseTiming} states the rules), and then calls the lease-lost callback, with which sharding stops
 * the shard's entities and a singleton manager its singleton; another owner can acquire the row
 * only after it has expired in the database.
 */
public final class PostgresLease extends Lease {

  private static final Logger log = LoggerFactory.getLogger(PostgresLease.class);

  private final LeaseSettings settings;
  private final String name;
  private final String service;
  private final LeaseTiming timing;
  private final LeaseDatabases databases;
  private volatile LeaseRenewer renewer;

  public PostgresLease(LeaseSettings settings, ExtendedActorSystem system) {
    this.settings = settings;
    this.name = settings.leaseName();
    this.service = settings.leaseConfig().getString("service");
    this.timing = LeaseTiming.from(settings.leaseConfig());
    this.databases = LeaseDatabases.ID.get(system);
  }

  /**
   * Found on first use: the Split Brain Resolver creates its lease before the node has registered
   * its databases.
   */
  private LeaseRenewer renewer() {
    LeaseRenewer r = renewer;
    if (r == null) {
      r = databases.renewer(service, settings.ownerName(), timing);
      renewer = r;
    }
    return r;
  }

  @Override
  public LeaseSettings getSettings() {
    return settings;
  }

  @Override
  public CompletionStage<Boolean> acquire() {
    return acquire(reason -> {});
  }

  @Override
  public CompletionStage<Boolean> acquire(Consumer<Optional<Throwable>> leaseLostCallback) {
    long sent = System.nanoTime();
    LeaseRenewer renewer;
    try {
      renewer = renewer();
    } catch (RuntimeException e) {
      return CompletableFuture.failedFuture(e);
    }
    return CompletableFuture.supplyAsync(
            () ->
                update(
                    "INSERT INTO akka_lease (name, owner, expires_at) "
                        + "VALUES (?, ?, now() + ? * interval '1 millisecond') "
                        + "ON CONFLICT (name) DO UPDATE "
                        + "SET owner = EXCLUDED.owner, expires_at = EXCLUDED.expires_at "
                        + "WHERE akka_lease.owner = EXCLUDED.owner OR akka_lease.expires_at <= now()",
                    timing.duration().toMillis()),
            renewer.executor())
        .orTimeout(timing.operationTimeout().toMillis() * 2, TimeUnit.MILLISECONDS)
        .thenApply(
            acquired -> {
              if (acquired) {
                renewer.hold(name, sent, leaseLostCallback);
                log.debug("Lease {} acquired by {}", name, renewer.owner());
              }
              return acquired;
            });
  }

  @Override
  public CompletionStage<Boolean> release() {
    LeaseRenewer renewer;
    try {
      renewer = renewer();
    } catch (RuntimeException e) {
      return CompletableFuture.failedFuture(e);
    }
    renewer.forget(name);
    return CompletableFuture.supplyAsync(
            () ->
                update(
                    "UPDATE akka_lease SET expires_at = now() WHERE name = ? AND owner = ?", null),
            renewer.executor())
        .orTimeout(timing.operationTimeout().toMillis() * 2, TimeUnit.MILLISECONDS);
  }

  @Override
  public boolean checkLease() {
    LeaseRenewer r = renewer;
    return r != null && r.holds(name);
  }

  /** The statement with (name, owner[, millis]); true when it changed one row. */
  private boolean update(String sql, Long millis) {
    LeaseRenewer renewer = renewer();
    try (Connection c = renewer.dataSource().getConnection();
        PreparedStatement ps = c.prepareStatement(sql)) {
      ps.setQueryTimeout(seconds(timing.operationTimeout()));
      ps.setString(1, name);
      ps.setString(2, renewer.owner());
      if (millis != null) ps.setLong(3, millis);
      return ps.executeUpdate() == 1;
    } catch (SQLException e) {
      throw new akka.coordination.lease.LeaseException(
          "lease " + name + ": database failed: " + e.getMessage());
    }
  }

  static int seconds(Duration d) {
    return (int) Math.max(1, (d.toMillis() + 999) / 1000);
  }
}
