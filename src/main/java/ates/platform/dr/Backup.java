package ates.platform.dr;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.DigestOutputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.postgresql.PGConnection;
import org.postgresql.copy.CopyManager;

/**
 * {@code backup <dir>}: an online, consistent copy of every service database.
 *
 * <p>Each database is read in one {@code REPEATABLE READ} read-only transaction, so each is a
 * snapshot while nodes keep writing. Snapshots are taken against the direction events flow
 * (analytics, accounting, tasks, identity), all before the first table is copied: a downstream
 * database is then never ahead of an upstream one, so after a restore the republished topics only
 * ever bring it forward. Tables are written with pgjdbc's {@link CopyManager} in PostgreSQL's
 * binary COPY format, referenced tables first; the manifest (row counts, SHA-256) is written last,
 * so a directory without one is an incomplete backup.
 */
final class Backup {

  private Backup() {}

  static Manifest run(DatabaseServer server, List<Target> targets, Path dir)
      throws IOException, SQLException {
    long started = System.nanoTime();
    Files.createDirectories(dir);
    try (var entries = Files.list(dir)) {
      if (entries.findAny().isPresent())
        throw new IOException("backup directory " + dir + " is not empty");
    }
    List<Target> present = new ArrayList<>();
    for (Target t : targets) if (server.exists(t.database())) present.add(t);
    if (present.isEmpty()) throw new SQLException("no service database exists on the server");

    // open every snapshot first, downstream first (targets are in the order events flow)
    Map<Target, Connection> snapshots = new LinkedHashMap<>();
    Map<Target, String> snapshotAt = new LinkedHashMap<>();
    try {
      for (int i = present.size() - 1; i >= 0; i--) {
        Target t = present.get(i);
        Connection c = server.connect(t.database());
        snapshots.put(t, c);
        c.setAutoCommit(false);
        c.setTransactionIsolation(Connection.TRANSACTION_REPEATABLE_READ);
        c.setReadOnly(true);
        try (Statement st = c.createStatement();
            ResultSet rs = st.executeQuery("SELECT now()::text")) {
          rs.next(); // the snapshot is taken by the transaction's first query
          snapshotAt.put(t, rs.getString(1));
        }
      }
      List<Manifest.DatabaseCopy> copies = new ArrayList<>();
      for (Target t : present) {
        copies.add(copy(t, snapshots.get(t), snapshotAt.get(t), dir));
      }
      Manifest manifest =
          new Manifest(
              1,
              Instant.now().toString(),
              (System.nanoTime() - started) / 1_000_000,
              List.copyOf(copies));
      manifest.write(dir);
      return manifest;
    } finally {
      for (Connection c : snapshots.values()) {
        try {
          c.rollback();
          c.close();
        } catch (SQLException ignored) {
          // read-only; nothing to keep
        }
      }
    }
  }

  /** A service and its database. */
  record Target(String service, String database) {}

  private static Manifest.DatabaseCopy copy(Target t, Connection c, String at, Path dir)
      throws IOException, SQLException {
    Path dbDir = dir.resolve(t.database());
    Files.createDirectories(dbDir);
    CopyManager copyManager = c.unwrap(PGConnection.class).getCopyAPI();
    List<Manifest.TableCopy> tables = new ArrayList<>();
    for (String table : tablesInLoadOrder(c)) {
      Path file = dbDir.resolve(table + ".copy");
      MessageDigest sha = sha256();
      long rows;
      try (OutputStream out =
          new DigestOutputStream(new BufferedOutputStream(Files.newOutputStream(file)), sha)) {
        rows =
            copyManager.copyOut("COPY public." + quote(table) + " TO STDOUT (FORMAT binary)", out);
      }
      tables.add(
          new Manifest.TableCopy(
              table,
              dir.relativize(file).toString(),
              rows,
              Files.size(file),
              HexFormat.of().formatHex(sha.digest())));
    }
    return new Manifest.DatabaseCopy(
        t.service(), t.database(), at, schemaVersions(c), List.copyOf(tables));
  }

  /** The public tables, every table after the tables its foreign keys reference. */
  static List<String> tablesInLoadOrder(Connection c) throws SQLException {
    Map<String, Set<String>> references = new LinkedHashMap<>();
    try (Statement st = c.createStatement();
        ResultSet rs =
            st.executeQuery(
                "SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename")) {
      while (rs.next()) references.put(rs.getString("tablename"), new LinkedHashSet<>());
    }
    try (Statement st = c.createStatement();
        ResultSet rs =
            st.executeQuery(
                "SELECT cl.relname AS child, pa.relname AS parent FROM pg_constraint co"
                    + " JOIN pg_class cl ON cl.oid = co.conrelid"
                    + " JOIN pg_class pa ON pa.oid = co.confrelid"
                    + " JOIN pg_namespace n ON n.oid = cl.relnamespace"
                    + " WHERE co.contype = 'f' AND n.nspname = 'public'")) {
      while (rs.next()) {
        String child = rs.getString("child");
        String parent = rs.getString("parent");
        if (references.containsKey(child) && !child.equals(parent))
          references.get(child).add(parent);
      }
    }
    List<String> ordered = new ArrayList<>();
    Set<String> done = new LinkedHashSet<>();
    while (ordered.size() < references.size()) {
      boolean progressed = false;
      for (var e : references.entrySet()) {
        if (!done.contains(e.getKey()) && done.containsAll(e.getValue())) {
          ordered.add(e.getKey());
          done.add(e.getKey());
          progressed = true;
        }
      }
      if (!progressed) throw new SQLException("foreign keys form a cycle among " + references);
    }
    return ordered;
  }

  /** Each Flyway history's applied versions: a restore needs the same schema. */
  static List<String> schemaVersions(Connection c) throws SQLException {
    List<String> histories = new ArrayList<>();
    try (Statement st = c.createStatement();
        ResultSet rs =
            st.executeQuery(
                "SELECT tablename FROM pg_tables WHERE schemaname = 'public'"
                    + " AND tablename LIKE 'flyway\\_%\\_history' ORDER BY tablename")) {
      while (rs.next()) histories.add(rs.getString(1));
    }
    List<String> versions = new ArrayList<>();
    for (String history : histories) {
      try (Statement st = c.createStatement();
          ResultSet rs =
              st.executeQuery(
                  "SELECT version FROM "
                      + quote(history)
                      + " WHERE success AND version IS NOT NULL ORDER BY installed_rank")) {
        while (rs.next()) versions.add(history + ":" + rs.getString(1));
      }
    }
    return versions;
  }

  static String quote(String identifier) {
    return "\"" + identifier.replace("\"", "\"\"") + "\"";
  }

  static MessageDigest sha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
