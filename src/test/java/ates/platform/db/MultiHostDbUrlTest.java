package ates.platform.db;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ates.Main;
import ates.platform.AtesNode;
import ates.testing.Http;
import ates.testing.IntegrationTest;
import ates.testing.TestInfra;
import com.typesafe.config.ConfigFactory;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * A node given an {@code ATES_DB_URL} with two hosts (the first one dead) and parameters: it skips
 * the dead host, applies the parameters, and works.
 */
@IntegrationTest
class MultiHostDbUrlTest {

  @Test
  void a_url_with_a_dead_host_first_and_parameters_works() throws Exception {
    TestInfra infra = TestInfra.get();
    TestInfra.NodeSetup setup = infra.newNode();
    int realPort = Integer.parseInt(infra.postgresServerUrl().replaceAll(".*:", ""));
    int deadPort = TestInfra.freePort();
    String url =
        "jdbc:postgresql://127.0.0.1:"
            + deadPort
            + ",127.0.0.1:"
            + realPort
            + "/?targetServerType=primary&sslmode=disable&connectTimeout=3"
            + "&ApplicationName=ates-multihost";
    AtesNode node =
        AtesNode.start(
            ConfigFactory.parseMap(Map.of("ates.db.url", url))
                .withFallback(infra.nodeConfig(setup, "identity")),
            Main.services());
    try {
      Http http = new Http(node.httpPort());
      String token = http.login("admin", TestInfra.ADMIN_PASSWORD);
      assertEquals(200, http.get("/api/users/me", token).status());
      // the parameters reached the pools: their sessions carry the application name
      try (Connection c =
              DriverManager.getConnection(infra.postgresServerUrl() + "/postgres", "postgres", "");
          PreparedStatement ps =
              c.prepareStatement(
                  "SELECT count(*) FROM pg_stat_activity"
                      + " WHERE application_name = 'ates-multihost' AND datname = ?")) {
        ps.setString(1, setup.databasePrefix() + "identity");
        try (ResultSet rs = ps.executeQuery()) {
          rs.next();
          assertTrue(rs.getInt(1) > 0, "no session of the node's pools carries the parameters");
        }
      }
    } finally {
      node.stop();
    }
  }
}
