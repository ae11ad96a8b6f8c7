package ates.platform.dr;

import ates.platform.db.PostgresUrl;
import ates.platform.infra.EmbeddedPostgresServer;
import com.typesafe.config.Config;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.Optional;
import java.util.Properties;

/**
 * The PostgreSQL server a command works on, with the node's environment: {@code ATES_DB_URL} when
 * set; otherwise the embedded default's server on {@code ATES_DB_PORT}, used as it is when it
 * answers (a node is running) and started by the command itself on {@code ATES_DATA_DIR} when it
 * does not (an empty directory gets a new, durable server).
 */
final class DatabaseServer implements AutoCloseable {

  private final PostgresUrl url;
  private final String user;
  private final String password;
  private final Optional<EmbeddedPostgresServer> started;

  private DatabaseServer(
      PostgresUrl url, String user, String password, Optional<EmbeddedPostgresServer> started) {
    this.url = url;
    this.user = user;
    this.password = password;
    this.started = started;
  }

  static DatabaseServer open(Config config) {
    String external = config.getString("ates.db.url");
    if (!external.isBlank()) {
      return new DatabaseServer(
          PostgresUrl.parse(external),
          config.getString("ates.db.user"),
          config.getString("ates.db.password"),
          Optional.empty());
    }
    int port = config.getInt("ates.db.embedded-port");
    PostgresUrl local = PostgresUrl.parse("jdbc:postgresql://127.0.0.1:" + port);
    if (answers(local)) return new DatabaseServer(local, "postgres", "", Optional.empty());
    Path dataDir =
        Path.of(config.getString("ates.data-dir")).toAbsolutePath().normalize().resolve("postgres");
    EmbeddedPostgresServer pg = EmbeddedPostgresServer.start(dataDir, port);
    return new DatabaseServer(PostgresUrl.parse(pg.serverUrl()), "postgres", "", Optional.of(pg));
  }

  private static boolean answers(PostgresUrl url) {
    Properties p = new Properties();
    p.setProperty("user", "postgres");
    p.setProperty("connectTimeout", "2");
    try (Connection c = DriverManager.getConnection(url.database("postgres"), p)) {
      return true;
    } catch (SQLException e) {
      return false;
    }
  }

  PostgresUrl url() {
    return url;
  }

  String user() {
    return user;
  }

  String password() {
    return password;
  }

  boolean exists(String database) throws SQLException {
    try (Connection c = connect("postgres");
        var ps = c.prepareStatement("SELECT 1 FROM pg_database WHERE datname = ?")) {
      ps.setString(1, database);
      try (var rs = ps.executeQuery()) {
        return rs.next();
      }
    }
  }

  Connection connect(String database) throws SQLException {
    return DriverManager.getConnection(url.database(database), user, password);
  }

  /** Whether the command started the embedded server itself (and stops it on close). */
  boolean startedHere() {
    return started.isPresent();
  }

  @Override
  public void close() {
    started.ifPresent(EmbeddedPostgresServer::close);
  }
}
