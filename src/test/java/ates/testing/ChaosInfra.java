package ates.testing;

import ates.platform.infra.EmbeddedPostgresServer;
import ates.platform.infra.PostgresStandby;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A Postgres primary with its synchronous hot standby and a Kafka cluster of three brokers, the
 * chaos suite's own, which it may stop and start: real servers on fixed ports and data directories,
 * so a restarted one is the same server. The nodes reach the primary through a {@link
 * TcpFaultProxy}, so the suite can also slow, reset or blackhole the wire between them; their URL
 * names the standby too ({@code targetServerType=primary}), directly, so that once the primary is
 * killed and the standby promoted ({@link #killPrimary}, {@link #promoteStandby}) they reach the
 * promoted server. After that the suite's Postgres faults would hit the dead server: the failover
 * is the last Postgres fault of the suite.
 *
 * <p>Kafka is the production shape ({@link KraftCluster}: topics at replication factor 3, {@code
 * min.insync.replicas} 2), so one broker may be lost without losing a write.
 */
public final class ChaosInfra implements NodeServers, AutoCloseable {

  private static final AtomicInteger NODES = new AtomicInteger();

  private final Path root;
  private final int postgresPort = TestInfra.freePort();
  private final int standbyPort = TestInfra.freePort();
  private final TcpFaultProxy postgresProxy;
  private final PostgresStandby standby;
  private final KraftCluster kafka;
  private volatile EmbeddedPostgresServer primary;

  public ChaosInfra() {
    try {
      root = Files.createTempDirectory("ates-chaos-");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    standby =
        PostgresStandby.start(
            root.resolve("postgres"), postgresPort, root.resolve("standby"), standbyPort);
    primary = standby.primary();
    kafka = KraftCluster.start();
    postgresProxy = TcpFaultProxy.start(0, postgresPort);
  }

  /** Starts the primary again on its data, as the primary of its standby. */
  public void startPostgres() {
    primary =
        EmbeddedPostgresServer.start(
            root.resolve("postgres"),
            postgresPort,
            EmbeddedPostgresServer.Durability.DURABLE,
            // as PostgresStandby starts it: command-line settings, not kept in the data directory
            Map.of("synchronous_standby_names", PostgresStandby.NAME, "wal_level", "replica"));
  }

  /** A fast shutdown of the primary: connections are cut, as when the server goes away. */
  public void stopPostgres() {
    primary.close();
  }

  /**
   * SIGKILL of the primary's postmaster (its backends exit when they notice it gone): the server
   * dies at once, with no shutdown checkpoint. Returns once the postmaster has exited.
   */
  public void killPrimary() {
    try {
      long pid =
          Long.parseLong(
              Files.readAllLines(root.resolve("postgres").resolve("postmaster.pid")).get(0).trim());
      ProcessHandle postmaster = ProcessHandle.of(pid).orElseThrow();
      postmaster.destroyForcibly();
      postmaster.onExit().join();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * Promotes the standby, as the PostgreSQL provider would (what {@code db-failover} does for the
   * embedded default): {@code pg_promote()}, waiting until it accepts writes.
   */
  public void promoteStandby() {
    try (Connection c =
            DriverManager.getConnection(
                "jdbc:postgresql://127.0.0.1:" + standbyPort + "/postgres?connectTimeout=5",
                "postgres",
                "");
        Statement st = c.createStatement();
        ResultSet rs = st.executeQuery("SELECT pg_promote(true, 60)")) {
      rs.next();
      if (!rs.getBoolean(1)) throw new IllegalStateException("pg_promote did not finish in 60 s");
    } catch (SQLException e) {
      throw new IllegalStateException("cannot promote the standby: " + e.getMessage(), e);
    }
  }

  /** Stops every Kafka broker at once, keeping their data. */
  public void stopKafka() {
    kafka.stopAll();
  }

  /** Starts every Kafka broker again on its data. */
  public void startKafka() {
    kafka.startAll();
  }

  /** The three brokers. */
  public KraftCluster kafka() {
    return kafka;
  }

  /** The wire between the nodes and the primary. */
  public TcpFaultProxy postgresProxy() {
    return postgresProxy;
  }

  @Override
  public TestInfra.NodeSetup newNode() {
    int n = NODES.incrementAndGet();
    return new TestInfra.NodeSetup("c" + n + "_", "c" + n + ".", root.resolve("node-" + n));
  }

  @Override
  public Map<String, String> nodeEnvironment(
      TestInfra.NodeSetup setup, String services, int httpPort, int managementPort) {
    Map<String, String> env =
        new HashMap<>(
            TestInfra.environment(
                "jdbc:postgresql://127.0.0.1:"
                    + postgresProxy.port()
                    + ",127.0.0.1:"
                    + standbyPort
                    + "/?targetServerType=primary&hostRecheckSeconds=1&connectTimeout=5",
                kafkaBootstrap(),
                setup,
                services,
                httpPort,
                managementPort));
    env.put("ATES_KAFKA_REPLICATION_FACTOR", Integer.toString(KraftCluster.SIZE));
    return env;
  }

  @Override
  public String kafkaBootstrap() {
    return kafka.bootstrapServers();
  }

  @Override
  public void close() {
    postgresProxy.close();
    kafka.close();
    primary.close();
    standby.close();
  }
}
