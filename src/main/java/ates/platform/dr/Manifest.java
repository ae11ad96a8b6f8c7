package ates.platform.dr;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;

/**
 * What a backup holds, written last (its presence means the backup is complete): per database the
 * schema versions and, in load order (referenced tables first), each table's file, row count and
 * SHA-256.
 */
public record Manifest(int format, String createdAt, long tookMs, List<DatabaseCopy> databases) {

  public static final String FILE = "manifest.json";
  private static final ObjectMapper JSON =
      new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

  /** One database, read in one snapshot transaction. */
  public record DatabaseCopy(
      String service,
      String database,
      String snapshotAt,
      List<String> schemaVersions,
      List<TableCopy> tables) {}

  /** One table: its COPY (binary format) file under the backup directory. */
  public record TableCopy(String table, String file, long rows, long bytes, String sha256) {}

  public long rows() {
    return databases.stream().flatMap(d -> d.tables().stream()).mapToLong(TableCopy::rows).sum();
  }

  public long bytes() {
    return databases.stream().flatMap(d -> d.tables().stream()).mapToLong(TableCopy::bytes).sum();
  }

  /** Writes the manifest atomically (a temporary file, then a rename). */
  void write(Path dir) throws IOException {
    Path tmp = dir.resolve(FILE + ".tmp");
    JSON.writeValue(tmp.toFile(), this);
    Files.move(
        tmp,
        dir.resolve(FILE),
        StandardCopyOption.ATOMIC_MOVE,
        StandardCopyOption.REPLACE_EXISTING);
  }

  public static Manifest read(Path dir) throws IOException {
    Path file = dir.resolve(FILE);
    if (!Files.exists(file)) {
      throw new IOException("no " + FILE + " in " + dir + ": not a backup, or an incomplete one");
    }
    return JSON.readValue(file.toFile(), Manifest.class);
  }
}
