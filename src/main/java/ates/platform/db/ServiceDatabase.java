package ates.platform.db;

import akka.actor.typed.ActorSystem;
import akka.actor.typed.DispatcherSelector;
import ates.platform.resilience.Breaker;
import ates.platform.resilience.Breakers;
import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import org.flywaydb.core.Flyway;

/**
 * The database a service owns: a connection pool for its read models and projections, migrated at
 * start-up by Flyway with the platform's tables (journal, snapshots, projection offsets and
 * management) and the service's own, each with its own history table.
 */
public final class ServiceDatabase implements AutoCloseable {

  private final String service;
  private final HikariDataSource dataSource;
  private volatile Executor blockingExecutor;
  private HikariDataSource coordination;
  private volatile Breaker breaker;

  private ServiceDatabase(String service, HikariDataSource dataSource) {
    this.service = service;
    this.dataSource = dataSource;
  }

  /** Opens the pool and applies the migrations (idempotent; safe when nodes start together). */
  public static ServiceDatabase open(
      String service, String jdbcUrl, String user, String password, int poolSize) {
    HikariConfig hc = new HikariConfig();
    hc.setPoolName("ates-" + service);
    hc.setJdbcUrl(jdbcUrl);
    hc.setUsername(user);
    hc.setPassword(password);
    hc.setMaximumPoolSize(poolSize);
    hc.setMinimumIdle(1);
    hc.setAutoCommit(true);
    hc.setConnectionTimeout(10_000);
    HikariDataSource ds = new HikariDataSource(hc);
    // Nodes that start together on a fresh database would race to create Flyway's history tables
    // (one fails with "Unable to baseline ... already exists"): one node migrates at a time, under
    // an advisory lock of this database held on a connection outside the pool.
    try (Connection lock = java.sql.DriverManager.getConnection(jdbcUrl, user, password);
        Statement st = lock.createStatement()) {
      st.execute("SELECT pg_advisory_lock(" + MIGRATION_LOCK + ")");
      migrate(ds, "platform", "flyway_platform_history");
      migrate(ds, service, "flyway_" + service + "_history");
      // Leases and the cluster incarnation (ates.platform.cluster), with a history of their own.
      migrate(ds, "coordination", "flyway_coordination_history");
      // closing the connection releases the lock
    } catch (SQLException e) {
      ds.close();
      throw new IllegalStateException("Migrating " + service + "'s database failed: " + e, e);
    } catch (RuntimeException e) {
      ds.close();
      throw e;
    }
    return new ServiceDatabase(service, ds);
  }

  /** The advisory lock key under which a node migrates a service database. */
  private static final long MIGRATION_LOCK = 0x61746573L; // "ates"

  private static void migrate(HikariDataSource ds, String location, String table) {
    Flyway.configure()
        .dataSource(ds)
        .loggers("slf4j")
        .locations("classpath:db/" + location)
        .table(table)
        .baselineOnMigrate(true)
        .baselineVersion("0")
        .failOnMissingLocations(false)
        .load()
        .migrate();
  }

  public String service() {
    return service;
  }

  public HikariDataSource dataSource() {
    return dataSource;
  }

  /**
   * Binds blocking work to the projection JDBC dispatcher of the actor system, and puts the
   * database's circuit breaker ({@code db-<service>}) in front of {@link #query} and {@link
   * #guard}.
   */
  public void useDispatcherOf(ActorSystem<?> system) {
    // a node's system has the breakers' settings; a bare test kit's has none: no breaker there
    if (system.settings().config().hasPath("ates.breakers")) {
      this.breaker = Breakers.get(system).database(service);
    }
    this.blockingExecutor =
        system
            .dispatchers()
            .lookup(DispatcherSelector.fromConfig("akka.projection.jdbc.blocking-jdbc-dispatcher"));
  }

  /** A new session for a JDBC projection: one connection, one transaction. */
  public PooledJdbcSession newSession() {
    try {
      return new PooledJdbcSession(dataSource.getConnection());
    } catch (SQLException e) {
      throw new IllegalStateException("No database connection for " + service, e);
    }
  }

  /** Runs a query on a pooled connection on the blocking dispatcher. */
  public <T> CompletionStage<T> query(SqlFunction<Connection, T> work) {
    Executor executor = blockingExecutor;
    if (executor == null) throw new IllegalStateException("useDispatcherOf was not called");
    return query(executor, work);
  }

  /**
   * Runs work on a pooled connection on the given executor (for work that also waits on others).
   */
  public <T> CompletionStage<T> query(Executor executor, SqlFunction<Connection, T> work) {
    return guard(() -> unguardedQuery(executor, work));
  }

  /**
   * Runs a call that depends on this database, such as an ask of one of the service's entities
   * (which persist to and recover from its journal), through the database's circuit breaker: when
   * it is open the call fails at once with {@code CircuitBreakerOpenException}.
   */
  public <T> CompletionStage<T> guard(Callable<CompletionStage<T>> call) {
    Breaker b = breaker;
    if (b == null) {
      try {
        return call.call();
      } catch (Exception e) {
        return CompletableFuture.failedFuture(e);
      }
    }
    return b.call(call);
  }

  private <T> CompletionStage<T> unguardedQuery(
      Executor executor, SqlFunction<Connection, T> work) {
    return CompletableFuture.supplyAsync(
        () -> {
          try (Connection c = dataSource.getConnection()) {
            return work.apply(c);
          } catch (SQLException e) {
            throw new DatabaseException(service, e);
          }
        },
        executor);
  }

  /**
   * A pool of two connections of its own for leases and the cluster guard, so that a busy service
   * pool never delays a lease's renewal. Opened on first use. Every statement, connecting included,
   * gives up after {@code timeout}.
   */
  public synchronized HikariDataSource coordinationDataSource(java.time.Duration timeout) {
    if (coordination == null) {
      HikariConfig hc = new HikariConfig();
      hc.setPoolName("ates-" + service + "-coordination");
      hc.setJdbcUrl(dataSource.getJdbcUrl());
      hc.setUsername(dataSource.getUsername());
      hc.setPassword(dataSource.getPassword());
      hc.setMaximumPoolSize(2);
      hc.setMinimumIdle(0);
      hc.setAutoCommit(true);
      hc.setConnectionTimeout(Math.max(250, timeout.toMillis()));
      hc.setValidationTimeout(Math.max(250, timeout.toMillis()));
      long seconds = Math.max(1, (timeout.toMillis() + 999) / 1000);
      hc.addDataSourceProperty("connectTimeout", Long.toString(seconds));
      hc.addDataSourceProperty("socketTimeout", Long.toString(seconds + 1));
      coordination = new HikariDataSource(hc);
    }
    return coordination;
  }

  /** The pool of {@link #coordinationDataSource}, if it was opened. */
  public synchronized java.util.Optional<HikariDataSource> openCoordinationDataSource() {
    return java.util.Optional.ofNullable(coordination);
  }

  @Override
  public void close() {
    synchronized (this) {
      if (coordination != null) coordination.close();
    }
    dataSource.close();
  }

  @FunctionalInterface
  public interface SqlFunction<A, B> {
    B apply(A a) throws SQLException;
  }

  /** A database call failed; the HTTP layer answers 503. */
  public static final class DatabaseException extends RuntimeException {
    public DatabaseException(String service, SQLException cause) {
      super("database of " + service + " failed: " + cause.getMessage(), cause);
    }
  }
}
