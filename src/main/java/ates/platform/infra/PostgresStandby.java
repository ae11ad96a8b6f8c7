package ates.platform.infra;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The embedded default's primary and a hot standby ({@code ATES_DB_STANDBY=true}): two real
 * PostgreSQL servers on one machine, the standby streaming from the primary through a physical
 * replication slot, synchronously ({@code synchronous_standby_names} on the primary, with {@code
 * synchronous_commit=on}): a commit is acknowledged only once the standby has flushed it, so an
 * acknowledged write is on both (RPO 0 when the primary is lost).
 *
 * <p>The embedded binaries have no {@code pg_basebackup}; the standby is seeded with PostgreSQL's
 * low-level backup API (PostgreSQL 17: {@code pg_backup_start} / {@code pg_backup_stop} in one
 * session, the data directory copied in between, {@code backup_label} written from what {@code
 * pg_backup_stop} returns), then {@code standby.signal}, {@code primary_conninfo} and {@code
 * primary_slot_name}. The slot keeps the WAL the standby has not received yet.
 *
 * <p>After {@code db-failover} promoted the standby, the next start makes the promoted server the
 * primary (its directory becomes {@code postgres}, the old primary's is kept aside as {@code
 * postgres.replaced-<time>}) and seeds a new standby from it.
 */
public final class PostgresStandby implements AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(PostgresStandby.class);
  public static final String NAME = "ates_standby";
  private static final Set<String> NOT_COPIED =
      Set.of(
          "postmaster.pid",
          "postmaster.opts",
          "epg-lock",
          "backup_label",
          "tablespace_map",
          "standby.signal",
          "recovery.signal");
  private static final Set<String> COPIED_EMPTY =
      Set.of(
          "pg_wal",
          "pg_replslot",
          "pg_stat_tmp",
          "pg_dynshmem",
          "pg_notify",
          "pg_serial",
          "pg_snapshots",
          "pg_subtrans");

  private final EmbeddedPostgresServer primary;
  private final EmbeddedPostgresServer standby;

  private PostgresStandby(EmbeddedPostgresServer primary, EmbeddedPostgresServer standby) {
    this.primary = primary;
    this.standby = standby;
  }

  /** Starts the primary in {@code primaryDir} and its standby in {@code standbyDir}. */
  public static PostgresStandby start(
      Path primaryDir, int primaryPort, Path standbyDir, int standbyPort) {
    try {
      if (wasPromoted(standbyDir)) {
        Path aside =
            primaryDir.resolveSibling(
                primaryDir.getFileName() + ".replaced-" + Instant.now().toEpochMilli());
        log.warn(
            "The standby was promoted (db-failover): it becomes the primary; the old primary's"
                + " data is kept in {}",
            aside);
        if (Files.exists(primaryDir)) Files.move(primaryDir, aside);
        Files.move(standbyDir, primaryDir);
      }
      EmbeddedPostgresServer primary =
          EmbeddedPostgresServer.start(
              primaryDir,
              primaryPort,
              EmbeddedPostgresServer.Durability.DURABLE,
              Map.of("synchronous_standby_names", NAME, "wal_level", "replica"));
      try {
        if (!Files.exists(standbyDir.resolve("PG_VERSION"))) seed(primary, standbyDir);
        EmbeddedPostgresServer standby =
            EmbeddedPostgresServer.start(
                standbyDir,
                standbyPort,
                EmbeddedPostgresServer.Durability.DURABLE,
                Map.of("hot_standby", "on"));
        awaitStreaming(primary, Duration.ofSeconds(60));
        log.info(
            "PostgreSQL standby on 127.0.0.1:{} streaming synchronously from 127.0.0.1:{}",
            standbyPort,
            primaryPort);
        return new PostgresStandby(primary, standby);
      } catch (RuntimeException | SQLException e) {
        primary.close();
        throw e;
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (SQLException e) {
      throw new IllegalStateException("PostgreSQL standby failed to start: " + e.getMessage(), e);
    }
  }

  private static boolean wasPromoted(Path standbyDir) {
    return Files.exists(standbyDir.resolve("PG_VERSION"))
        && !Files.exists(standbyDir.resolve("standby.signal"));
  }

  private static void seed(EmbeddedPostgresServer primary, Path standbyDir)
      throws SQLException, IOException {
    long started = System.nanoTime();
    Path source = primary.dataDir();
    try (Connection c =
        DriverManager.getConnection(primary.serverUrl() + "/postgres", "postgres", "")) {
      try (Statement st = c.createStatement()) {
        st.execute(
            "SELECT pg_create_physical_replication_slot('"
                + NAME
                + "', true) WHERE NOT EXISTS (SELECT 1 FROM pg_replication_slots"
                + " WHERE slot_name = '"
                + NAME
                + "')");
        st.execute("SELECT pg_backup_start('" + NAME + "', true)");
      }
      deleteRecursively(standbyDir);
      copy(source, standbyDir);
      // PostgreSQL refuses a data directory others can read
      Files.setPosixFilePermissions(
          standbyDir, java.nio.file.attribute.PosixFilePermissions.fromString("rwx------"));
      String label;
      String spcmap;
      try (Statement st = c.createStatement();
          ResultSet rs =
              st.executeQuery("SELECT labelfile, spcmapfile FROM pg_backup_stop(false)")) {
        rs.next();
        label = rs.getString("labelfile");
        spcmap = rs.getString("spcmapfile");
      }
      Files.writeString(standbyDir.resolve("backup_label"), label);
      if (spcmap != null && !spcmap.isEmpty())
        Files.writeString(standbyDir.resolve("tablespace_map"), spcmap);
    }
    Files.createFile(standbyDir.resolve("standby.signal"));
    Files.writeString(
        standbyDir.resolve("postgresql.auto.conf"),
        "\nprimary_conninfo = 'host=127.0.0.1 port="
            + primary.port()
            + " user=postgres application_name="
            + NAME
            + "'\nprimary_slot_name = '"
            + NAME
            + "'\n",
        StandardOpenOption.APPEND);
    log.info(
        "Seeded PostgreSQL standby in {} from {} ({} ms, low-level backup API)",
        standbyDir,
        source,
        (System.nanoTime() - started) / 1_000_000);
  }

  private static void copy(Path from, Path to) throws IOException {
    Files.walkFileTree(
        from,
        new SimpleFileVisitor<>() {
          @Override
          public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attrs)
              throws IOException {
            Path target = to.resolve(from.relativize(dir).toString());
            Files.createDirectories(target);
            if (!dir.equals(from) && COPIED_EMPTY.contains(from.relativize(dir).toString())) {
              if (dir.getFileName().toString().equals("pg_wal"))
                Files.createDirectories(target.resolve("archive_status"));
              return FileVisitResult.SKIP_SUBTREE;
            }
            return FileVisitResult.CONTINUE;
          }

          @Override
          public FileVisitResult visitFile(Path file, BasicFileAttributes attrs)
              throws IOException {
            if (from.relativize(file).getNameCount() == 1
                && NOT_COPIED.contains(file.getFileName().toString())) {
              return FileVisitResult.CONTINUE;
            }
            Files.copy(
                file,
                to.resolve(from.relativize(file).toString()),
                StandardCopyOption.COPY_ATTRIBUTES);
            return FileVisitResult.CONTINUE;
          }

          @Override
          public FileVisitResult visitFileFailed(Path file, IOException e) throws IOException {
            // a file the server removed while it was being copied: WAL replay recreates it
            if (e instanceof java.nio.file.NoSuchFileException) return FileVisitResult.CONTINUE;
            throw e;
          }
        });
  }

  private static void awaitStreaming(EmbeddedPostgresServer primary, Duration timeout)
      throws SQLException {
    long deadline = System.nanoTime() + timeout.toNanos();
    try (Connection c =
        DriverManager.getConnection(primary.serverUrl() + "/postgres", "postgres", "")) {
      while (true) {
        try (Statement st = c.createStatement();
            ResultSet rs =
                st.executeQuery(
                    "SELECT sync_state FROM pg_stat_replication WHERE application_name = '"
                        + NAME
                        + "' AND state = 'streaming'")) {
          if (rs.next() && rs.getString(1).equals("sync")) return;
        }
        if (System.nanoTime() > deadline)
          throw new SQLException("the standby is not streaming synchronously after " + timeout);
        try {
          Thread.sleep(100); // polling the server's own view, with a deadline
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw new SQLException("interrupted", e);
        }
      }
    }
  }

  private static void deleteRecursively(Path dir) throws IOException {
    if (!Files.exists(dir)) return;
    try (var paths = Files.walk(dir)) {
      for (Path p : paths.sorted(java.util.Comparator.reverseOrder()).toList()) Files.delete(p);
    }
  }

  public EmbeddedPostgresServer primary() {
    return primary;
  }

  /** The URL of both servers: pgjdbc connects to whichever is the primary. */
  public String serverUrl() {
    return "jdbc:postgresql://127.0.0.1:"
        + primary.port()
        + ",127.0.0.1:"
        + standby.port()
        + "/?targetServerType=primary&hostRecheckSeconds=1&connectTimeout=5";
  }

  /** See {@link EmbeddedPostgresServer#stopAfter}: both servers. */
  public void stopAfter(java.util.concurrent.CompletionStage<?> done) {
    standby.stopAfter(done);
    primary.stopAfter(done);
  }

  @Override
  public void close() {
    standby.close();
    primary.close();
  }
}
