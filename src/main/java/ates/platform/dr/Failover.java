package ates.platform.dr;

import com.typesafe.config.Config;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;

/**
 * {@code db-failover}: promotes the embedded default's standby ({@code ATES_DB_STANDBY_PORT}) to
 * primary with {@code pg_promote()}, waiting until it accepts writes. The nodes' pools connect
 * through both servers with {@code targetServerType=primary}, so they reach it without a restart.
 * In Kubernetes the Postgres operator fails over by itself; this command is for the embedded
 * default only.
 */
final class Failover {

  private Failover() {}

  static String promote(Config config) throws SQLException {
    if (!config.getString("ates.db.url").isBlank())
      throw new SQLException(
          "ATES_DB_URL is set: fail over with the PostgreSQL operator or provider, not"
              + " db-failover");
    int port = config.getInt("ates.db.standby.port");
    String url = "jdbc:postgresql://127.0.0.1:" + port + "/postgres?connectTimeout=5";
    try (Connection c = DriverManager.getConnection(url, "postgres", "");
        Statement st = c.createStatement()) {
      if (!inRecovery(st)) return "the server on port " + port + " is already a primary";
      long started = System.nanoTime();
      try (ResultSet rs = st.executeQuery("SELECT pg_promote(true, 60)")) {
        rs.next();
        if (!rs.getBoolean(1))
          throw new SQLException("pg_promote did not finish within 60 s on port " + port);
      }
      if (inRecovery(st)) throw new SQLException("port " + port + " is still in recovery");
      return "promoted the standby on port "
          + port
          + " to primary in "
          + (System.nanoTime() - started) / 1_000_000
          + " ms";
    }
  }

  private static boolean inRecovery(Statement st) throws SQLException {
    try (ResultSet rs = st.executeQuery("SELECT pg_is_in_recovery()")) {
      rs.next();
      return rs.getBoolean(1);
    }
  }
}
