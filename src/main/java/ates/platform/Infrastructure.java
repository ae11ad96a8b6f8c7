package ates.platform;

import ates.platform.db.PostgresUrl;
import ates.platform.infra.EmbeddedKafka;
import ates.platform.infra.EmbeddedPostgresServer;
import ates.platform.infra.PostgresStandby;
import ates.platform.resilience.StartupRetry;
import com.typesafe.config.Config;
import java.nio.file.Path;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The PostgreSQL server and Kafka cluster a node talks to: external ones when {@code ATES_DB_URL} /
 * {@code ATES_KAFKA_BOOTSTRAP} are set, otherwise real servers the node starts itself under the
 * data directory (the embedded default).
 */
public final class Infrastructure implements AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(Infrastructure.class);

  private final Optional<EmbeddedPostgresServer> embeddedPostgres;
  private final Optional<EmbeddedKafka> embeddedKafka;
  private final PostgresUrl dbServerUrl;
  private final String dbUser;
  private final String dbPassword;
  private final String kafkaBootstrap;
  private final Path dataDir;
  private final Optional<PostgresStandby> standby;

  private Infrastructure(
      Optional<EmbeddedPostgresServer> embeddedPostgres,
      Optional<EmbeddedKafka> embeddedKafka,
      PostgresUrl dbServerUrl,
      String dbUser,
      String dbPassword,
      String kafkaBootstrap,
      Path dataDir,
      Optional<PostgresStandby> standby) {
    this.embeddedPostgres = embeddedPostgres;
    this.embeddedKafka = embeddedKafka;
    this.dbServerUrl = dbServerUrl;
    this.dbUser = dbUser;
    this.dbPassword = dbPassword;
    this.kafkaBootstrap = kafkaBootstrap;
    this.dataDir = dataDir;
    this.standby = standby;
  }

  /** Starts what is not configured as external. {@code config} is the resolved node config. */
  public static Infrastructure start(Config config) {
    Path dataDir = Path.of(config.getString("ates.data-dir")).toAbsolutePath().normalize();
    String dbUrl = config.getString("ates.db.url");
    String kafka = config.getString("ates.kafka.bootstrap-servers");

    Optional<EmbeddedPostgresServer> pg = Optional.empty();
    Optional<EmbeddedKafka> broker = Optional.empty();
    Optional<PostgresStandby> standby = Optional.empty();
    try {
      if (dbUrl.isBlank() && config.getBoolean("ates.db.standby.enabled")) {
        standby =
            Optional.of(
                PostgresStandby.start(
                    dataDir.resolve("postgres"),
                    config.getInt("ates.db.embedded-port"),
                    dataDir.resolve("postgres-standby"),
                    config.getInt("ates.db.standby.port")));
        pg = Optional.of(standby.get().primary());
      } else if (dbUrl.isBlank()) {
        pg =
            Optional.of(
                EmbeddedPostgresServer.start(
                    dataDir.resolve("postgres"), config.getInt("ates.db.embedded-port")));
      }
      if (kafka.isBlank()) {
        broker =
            Optional.of(
                EmbeddedKafka.start(
                    dataDir.resolve("kafka"),
                    config.getInt("ates.kafka.embedded-port"),
                    config.getInt("ates.kafka.embedded-controller-port")));
      }
    } catch (RuntimeException e) {
      standby.ifPresent(PostgresStandby::close);
      pg.ifPresent(EmbeddedPostgresServer::close);
      broker.ifPresent(EmbeddedKafka::close);
      throw e;
    }
    PostgresUrl serverUrl =
        PostgresUrl.parse(
            standby
                .map(PostgresStandby::serverUrl)
                .orElse(pg.map(EmbeddedPostgresServer::serverUrl).orElse(dbUrl)));
    String user = pg.isPresent() ? "postgres" : config.getString("ates.db.user");
    String password = pg.isPresent() ? "" : config.getString("ates.db.password");
    String bootstrap = broker.map(EmbeddedKafka::bootstrapServers).orElse(kafka);
    if (pg.isEmpty()) log.info("Using PostgreSQL at {}", serverUrl);
    if (broker.isEmpty()) log.info("Using Kafka at {}", bootstrap);
    return new Infrastructure(pg, broker, serverUrl, user, password, bootstrap, dataDir, standby);
  }

  /** Whether the node started its own PostgreSQL server (the embedded default). */
  public boolean embeddedDatabase() {
    return embeddedPostgres.isPresent();
  }

  public boolean embeddedKafka() {
    return embeddedKafka.isPresent();
  }

  public Path dataDir() {
    return dataDir;
  }

  public String dbUser() {
    return dbUser;
  }

  public String dbPassword() {
    return dbPassword;
  }

  public String kafkaBootstrap() {
    return kafkaBootstrap;
  }

  /** JDBC URL of a database on the configured server. */
  public String jdbcUrl(String database) {
    return dbServerUrl.database(database);
  }

  /**
   * Creates the database when missing; on an external server a missing privilege is only logged.
   */
  public void ensureDatabase(String database) {
    try {
      EmbeddedPostgresServer.createDatabaseIfMissing(
          dbServerUrl.database("postgres"), dbUser, dbPassword, database);
    } catch (IllegalStateException e) {
      // a server not reachable yet, or still starting up, is waited for (StartupRetry)
      if (embeddedDatabase() || StartupRetry.unreachable(e)) throw e;
      log.warn(
          "Could not check or create database {} (it must exist): {}", database, e.getMessage());
    }
  }

  /**
   * At JVM exit, the embedded PostgreSQL servers stop only after {@code done} (the node's actor
   * system terminated: its CoordinatedShutdown still writes to them).
   */
  public void stopEmbeddedServersAfter(java.util.concurrent.CompletionStage<?> done) {
    if (standby.isPresent()) standby.get().stopAfter(done);
    else embeddedPostgres.ifPresent(pg -> pg.stopAfter(done));
  }

  @Override
  public void close() {
    embeddedKafka.ifPresent(EmbeddedKafka::close);
    if (standby.isPresent()) standby.get().close(); // the primary too
    else embeddedPostgres.ifPresent(EmbeddedPostgresServer::close);
  }
}
