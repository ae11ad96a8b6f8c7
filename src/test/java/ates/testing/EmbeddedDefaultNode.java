package ates.testing;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

/**
 * The environment of a node on the embedded default, as the Quick start runs it (its own PostgreSQL
 * and Kafka under its data directory), on free ports so that tests can run it in a child JVM
 * ({@link NodeProcess}) beside the shared test infrastructure.
 */
public record EmbeddedDefaultNode(
    Path dataDir, int httpPort, int managementPort, int dbPort, int kafkaPort) {

  public static EmbeddedDefaultNode on(Path dataDir) {
    return new EmbeddedDefaultNode(
        dataDir,
        TestInfra.freePort(),
        TestInfra.freePort(),
        TestInfra.freePort(),
        TestInfra.freePort());
  }

  /** No ATES_DB_URL / ATES_KAFKA_BOOTSTRAP: the node starts its own servers. */
  public Map<String, String> environment() {
    Map<String, String> env = new HashMap<>();
    env.put("ATES_DATA_DIR", dataDir.toString());
    env.put("ATES_HTTP_PORT", Integer.toString(httpPort));
    env.put("ATES_MANAGEMENT_PORT", Integer.toString(managementPort));
    env.put("ATES_DB_PORT", Integer.toString(dbPort));
    env.put("ATES_KAFKA_PORT", Integer.toString(kafkaPort));
    env.put("ATES_KAFKA_CONTROLLER_PORT", Integer.toString(TestInfra.freePort()));
    env.put("ATES_REMOTE_PORT", Integer.toString(TestInfra.freePort()));
    env.put("ATES_JWT_SECRET", TestInfra.JWT_SECRET);
    env.put("ATES_ADMIN_PASSWORD", TestInfra.ADMIN_PASSWORD);
    env.put("ATES_DEMO", "false");
    env.put("ATES_PASSWORD_ITERATIONS", "10000");
    return env;
  }

  /** JDBC URL of a database on the node's embedded PostgreSQL. */
  public String jdbcUrl(String database) {
    return "jdbc:postgresql://127.0.0.1:" + dbPort + "/" + database;
  }
}
