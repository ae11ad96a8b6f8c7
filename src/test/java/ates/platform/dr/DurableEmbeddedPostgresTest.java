package ates.platform.dr;

import static org.junit.jupiter.api.Assertions.assertEquals;

import ates.testing.EmbeddedDefaultNode;
import ates.testing.IntegrationTest;
import ates.testing.NodeProcess;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import org.junit.jupiter.api.Test;

/**
 * The Quick start's node (embedded default, in a JVM of its own) runs its PostgreSQL durably,
 * although the test JVM's own server runs with these settings off.
 */
@IntegrationTest
class DurableEmbeddedPostgresTest {

  @Test
  void the_quick_start_node_answers_fsync_on() throws Exception {
    EmbeddedDefaultNode node = EmbeddedDefaultNode.on(Files.createTempDirectory("ates-durable-"));
    NodeProcess process =
        NodeProcess.start(
            node.environment(),
            node.httpPort(),
            node.managementPort(),
            Path.of("target", "durable-embedded-node.log"));
    try (Connection c = DriverManager.getConnection(node.jdbcUrl("ates_tasks"), "postgres", "")) {
      assertEquals("on", show(c, "fsync"));
      assertEquals("on", show(c, "synchronous_commit"));
      assertEquals("on", show(c, "full_page_writes"));
    } finally {
      process.stop();
    }
  }

  private static String show(Connection c, String setting) throws Exception {
    try (Statement st = c.createStatement();
        ResultSet rs = st.executeQuery("SHOW " + setting)) {
      rs.next();
      return rs.getString(1);
    }
  }
}
