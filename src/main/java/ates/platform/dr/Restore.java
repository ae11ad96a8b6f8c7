package ates.platform.dr;

import ates.platform.db.ServiceDatabase;
import ates.platform.infra.EmbeddedPostgresServer;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import org.postgresql.PGConnection;
import org.postgresql.copy.CopyManager;

/**
 * {@code restore <dir>}: loads a backup into empty service databases (created and migrated first,
 * as a node does), or, with {@code --force}, into databases whose rows it replaces.
 *
 * <p>Before anything is written, every file is checked against the manifest's SHA-256. Each
 * database is loaded in one transaction: tables in the manifest's order, row counts checked,
 * sequences (the journal's {@code ordering}) moved past the restored rows. Then what must be
 * rebuilt from the journals is reset:
 *
 * <ul>
 *   <li>the publishing projections' offsets ({@code publish-*}) are deleted, so a node started
 *       afterwards republishes every journal to the topics, with the original eventIds (they derive
 *       from persistence id and sequence number): an empty Kafka cluster gets every event again;
 *   <li>a database that keeps its own Kafka offsets ({@code kafka_offsets}: analytics) is left
 *       empty, because its content is derived from the topics and the rebuilt topics have other
 *       offsets; it ingests the republished topics from the start (it counts each record once).
 * </ul>
 *
 * Read models with their projection offsets are restored as they were in the snapshot.
 */
final class Restore {

  static final String DERIVED_FROM_TOPICS_MARKER = "kafka_offsets";

  private Restore() {}

  record Result(int databases, long rows, List<String> notes) {}

  static Result run(DatabaseServer server, Path dir, boolean force, int poolSize)
      throws IOException, SQLException {
    Manifest manifest = Manifest.read(dir);
    verifyFiles(manifest, dir);
    long rows = 0;
    List<String> notes = new ArrayList<>();
    for (Manifest.DatabaseCopy db : manifest.databases()) {
      EmbeddedPostgresServer.createDatabaseIfMissing(
          server.url().database("postgres"), server.user(), server.password(), db.database());
      // migrate as a node would: the same tables the backup was taken from
      try (ServiceDatabase migrated =
          ServiceDatabase.open(
              db.service(),
              server.url().database(db.database()),
              server.user(),
              server.password(),
              poolSize)) {
        // only migrating
      }
      try (Connection c = server.connect(db.database())) {
        List<String> versions = Backup.schemaVersions(c);
        if (!versions.equals(db.schemaVersions())) {
          throw new SQLException(
              db.database()
                  + ": the backup's schema "
                  + db.schemaVersions()
                  + " is not this build's "
                  + versions
                  + "; restore with the build that took it");
        }
        c.setAutoCommit(false);
        boolean derived =
            db.tables().stream().anyMatch(t -> t.table().equals(DERIVED_FROM_TOPICS_MARKER));
        rows += load(c, db, dir, force, derived);
        c.commit();
        if (derived) {
          notes.add(db.database() + ": left empty, rebuilt from the topics by the node");
        } else {
          notes.add(db.database() + ": publishing offsets reset, journals are republished");
        }
      }
    }
    return new Result(manifest.databases().size(), rows, notes);
  }

  private static void verifyFiles(Manifest manifest, Path dir) throws IOException {
    for (Manifest.DatabaseCopy db : manifest.databases()) {
      for (Manifest.TableCopy t : db.tables()) {
        Path file = dir.resolve(t.file()).normalize();
        if (!file.startsWith(dir.normalize()))
          throw new IOException("manifest names a file outside the backup: " + t.file());
        if (!Files.exists(file)) throw new IOException("missing backup file " + t.file());
        MessageDigest sha = Backup.sha256();
        try (InputStream in =
            new DigestInputStream(new BufferedInputStream(Files.newInputStream(file)), sha)) {
          in.transferTo(java.io.OutputStream.nullOutputStream());
        }
        String actual = HexFormat.of().formatHex(sha.digest());
        if (!actual.equals(t.sha256()))
          throw new IOException("checksum mismatch of " + t.file() + ": the backup is damaged");
      }
    }
  }

  private static long load(
      Connection c, Manifest.DatabaseCopy db, Path dir, boolean force, boolean derived)
      throws SQLException, IOException {
    List<String> tables = new ArrayList<>();
    for (Manifest.TableCopy t : db.tables()) {
      if (!isFlywayHistory(t.table())) tables.add(t.table());
    }
    List<String> nonEmpty = new ArrayList<>();
    for (String table : tables) {
      try (Statement st = c.createStatement();
          ResultSet rs =
              st.executeQuery("SELECT EXISTS (SELECT 1 FROM " + Backup.quote(table) + ")")) {
        rs.next();
        if (rs.getBoolean(1)) nonEmpty.add(table);
      }
    }
    if (!nonEmpty.isEmpty()) {
      if (!force) {
        throw new SQLException(
            db.database()
                + " is not empty ("
                + String.join(", ", nonEmpty)
                + "); restore refuses to overwrite it without --force");
      }
      try (Statement st = c.createStatement()) {
        st.execute(
            "TRUNCATE "
                + String.join(", ", tables.stream().map(Backup::quote).toList())
                + " CASCADE");
      }
    }
    if (derived) return 0;
    CopyManager copy = c.unwrap(PGConnection.class).getCopyAPI();
    long rows = 0;
    for (Manifest.TableCopy t : db.tables()) {
      if (isFlywayHistory(t.table())) continue;
      long loaded;
      try (InputStream in = new BufferedInputStream(Files.newInputStream(dir.resolve(t.file())))) {
        loaded =
            copy.copyIn(
                "COPY public." + Backup.quote(t.table()) + " FROM STDIN (FORMAT binary)", in);
      }
      if (loaded != t.rows())
        throw new SQLException(
            t.table() + ": loaded " + loaded + " rows, the manifest says " + t.rows());
      rows += loaded;
    }
    resetSequences(c);
    resetPublishingOffsets(c);
    return rows;
  }

  /** Moves every column-owned sequence (BIGSERIAL, identity) past the restored rows. */
  private static void resetSequences(Connection c) throws SQLException {
    List<String[]> owned = new ArrayList<>();
    try (Statement st = c.createStatement();
        ResultSet rs =
            st.executeQuery(
                "SELECT s.relname AS seq, t.relname AS tbl, a.attname AS col FROM pg_class s JOIN"
                    + " pg_depend d ON d.objid = s.oid AND d.classid = 'pg_class'::regclass JOIN"
                    + " pg_class t ON t.oid = d.refobjid JOIN pg_attribute a ON a.attrelid = t.oid"
                    + " AND a.attnum = d.refobjsubid JOIN pg_namespace n ON n.oid = s.relnamespace"
                    + " WHERE s.relkind = 'S' AND d.deptype IN ('a', 'i') AND n.nspname ="
                    + " 'public'")) {
      while (rs.next()) {
        owned.add(new String[] {rs.getString("seq"), rs.getString("tbl"), rs.getString("col")});
      }
    }
    for (String[] o : owned) {
      try (Statement st = c.createStatement()) {
        st.execute(
            "SELECT setval('public."
                + Backup.quote(o[0]).replace("'", "''")
                + "', COALESCE((SELECT max("
                + Backup.quote(o[2])
                + ") FROM "
                + Backup.quote(o[1])
                + "), 0) + 1, false)");
      }
    }
  }

  /**
   * Deletes the publishing projections' offsets, so the node republishes the whole journal. Used by
   * {@code republish}, which does the same on a database no node holds.
   */
  static int resetPublishingOffsets(Connection c) throws SQLException {
    try (Statement st = c.createStatement()) {
      if (!hasTable(c, "akka_projection_offset_store")) return 0;
      return st.executeUpdate(
          "DELETE FROM akka_projection_offset_store WHERE projection_name LIKE 'publish-%'");
    }
  }

  private static boolean hasTable(Connection c, String table) throws SQLException {
    try (var ps =
        c.prepareStatement(
            "SELECT 1 FROM pg_tables WHERE schemaname = 'public' AND tablename = ?")) {
      ps.setString(1, table);
      try (ResultSet rs = ps.executeQuery()) {
        return rs.next();
      }
    }
  }

  private static boolean isFlywayHistory(String table) {
    return table.startsWith("flyway_") && table.endsWith("_history");
  }
}
