package ates.testing;

import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;

/** Journal rows written with plain JDBC, as akka-persistence-jdbc 5.2.1 writes them. */
public final class JournalRows {

  private JournalRows() {}

  /**
   * Event 1 of {@code persistenceId}: the string {@code event} (Akka's string serializer), tagged
   * {@code tag}, on {@code c} (inside its transaction, if one is open). Returns its {@code
   * ordering}.
   */
  public static long insertTagged(Connection c, String persistenceId, String event, String tag)
      throws SQLException {
    long ordering;
    try (PreparedStatement s =
        c.prepareStatement(
            "INSERT INTO event_journal (persistence_id, sequence_number, writer, write_timestamp,"
                + " adapter_manifest, event_ser_id, event_ser_manifest, event_payload)"
                + " VALUES (?, 1, 'test', 0, '', 20, '', ?) RETURNING ordering")) {
      s.setString(1, persistenceId);
      s.setBytes(2, event.getBytes(StandardCharsets.UTF_8));
      try (ResultSet r = s.executeQuery()) {
        r.next();
        ordering = r.getLong(1);
      }
    }
    try (PreparedStatement s =
        c.prepareStatement("INSERT INTO event_tag (event_id, tag) VALUES (?, ?)")) {
      s.setLong(1, ordering);
      s.setString(2, tag);
      s.executeUpdate();
    }
    return ordering;
  }
}
