package ates.testing;

import ates.platform.db.ServiceDatabase;
import ates.platform.infra.EmbeddedKafka;
import ates.platform.infra.EmbeddedPostgresServer;
import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The real PostgreSQL server and Kafka broker of the test JVM, each started once, on first use, on
 * free ports in a temporary directory and stopped when the JVM exits; unit tests of SQL take the
 * server alone ({@link #postgresOnly()}). Each node a test starts gets its own databases (a
 * database prefix of its own), so tests do not see each other's rows.
 */
public final class TestInfra implements NodeServers {

  private static final AtomicInteger NODES = new AtomicInteger();
  private static final AtomicInteger DATABASES = new AtomicInteger();
  private static volatile TestInfra instance;
  private static volatile EmbeddedPostgresServer sharedPostgres;
  private static volatile Path sharedRoot;

  private final EmbeddedPostgresServer postgres;
  private final EmbeddedKafka kafka;
  private final Path root;

  private TestInfra(EmbeddedPostgresServer postgres, EmbeddedKafka kafka, Path root) {
    this.postgres = postgres;
    this.kafka = kafka;
    this.root = root;
  }

  /** PostgreSQL and Kafka, for tests that start nodes. */
  public static synchronized TestInfra get() {
    if (instance == null) {
      EmbeddedPostgresServer pg = postgresOnly();
      EmbeddedKafka kafka =
          EmbeddedKafka.start(sharedRoot.resolve("kafka"), freePort(), freePort());
      Runtime.getRuntime().addShutdownHook(new Thread(kafka::close));
      instance = new TestInfra(pg, kafka, sharedRoot);
    }
    return instance;
  }

  /** The PostgreSQL server alone (no Kafka), for unit tests of SQL: about 3 s, once per JVM. */
  public static synchronized EmbeddedPostgresServer postgresOnly() {
    if (sharedPostgres == null) {
      try {
        Path root = Files.createTempDirectory("ates-test-");
        EmbeddedPostgresServer pg =
            EmbeddedPostgresServer.start(
                root.resolve("postgres"),
                freePort(),
                // throw-away databases: speed over crash safety (a node is always durable)
                EmbeddedPostgresServer.Durability.FAST_UNSAFE);
        Runtime.getRuntime().addShutdownHook(new Thread(pg::close));
        sharedRoot = root;
        sharedPostgres = pg;
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
    return sharedPostgres;
  }

  /**
   * A new, empty database of {@code service} on the shared server, migrated as a node migrates it
   * (platform and service tables), with a pool of two connections. Close it after the test.
   */
  public static ServiceDatabase freshDatabase(String service) {
    EmbeddedPostgresServer pg = postgresOnly();
    String name = "u" + DATABASES.incrementAndGet() + "_" + service;
    pg.createDatabaseIfMissing(name);
    return ServiceDatabase.open(service, pg.serverUrl() + "/" + name, "postgres", "", 2);
  }

  public static int freePort() {
    try (ServerSocket s = new ServerSocket(0)) {
      s.setReuseAddress(true);
      return s.getLocalPort();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @Override
  public String kafkaBootstrap() {
    return kafka.bootstrapServers();
  }

  public String postgresServerUrl() {
    return postgres.serverUrl();
  }

  /** A fresh identity for a node: its own databases and data directory. */
  @Override
  public NodeSetup newNode() {
    int n = NODES.incrementAndGet();
    return new NodeSetup("t" + n + "_", "t" + n + ".", root.resolve("node-" + n));
  }

  /** What stays the same when a test restarts "the same" node. */
  public record NodeSetup(String databasePrefix, String topicPrefix, Path dataDir) {
    /** The Kafka topic of a contract topic for this node. */
    public String topic(String contractTopic) {
      return topicPrefix + contractTopic;
    }
  }

  /** Config of a node of this test JVM, on fresh ports, against the test infrastructure. */
  public Config nodeConfig(NodeSetup setup, String services) {
    Map<String, Object> c = new HashMap<>();
    c.put("ates.services", services);
    c.put("ates.data-dir", setup.dataDir().toString());
    c.put("ates.db.url", postgres.serverUrl());
    c.put("ates.db.user", "postgres");
    c.put("ates.db.password", "");
    c.put("ates.db.database-prefix", setup.databasePrefix());
    c.put("ates.kafka.bootstrap-servers", kafka.bootstrapServers());
    c.put("ates.kafka.topic-prefix", setup.topicPrefix());
    c.put("ates.http.interface", "127.0.0.1");
    c.put("ates.http.port", freePort());
    c.put("akka.management.http.port", freePort());
    c.put("akka.management.http.bind-hostname", "127.0.0.1");
    c.put("akka.remote.artery.canonical.port", freePort());
    c.put("ates.jwt.secret", JWT_SECRET);
    c.put("ates.admin-password", ADMIN_PASSWORD);
    c.put("ates.demo", "false");
    // Fewer PBKDF2 iterations keep the suite fast; production uses the configured default.
    c.put("ates.passwords.iterations", 10_000);
    // Consumer lag on /metrics within a second or two.
    c.put("ates.kafka.lag-interval", "1s");
    // Test nodes start fast; production keeps Akka's recommended bootstrap margins.
    c.put("akka.management.cluster.bootstrap.contact-point-discovery.stable-margin", "1s");
    c.put("akka.management.cluster.bootstrap.contact-point-discovery.interval", "500ms");
    // No periodic reconciliation unless a test asks for it (ReconciliationEndToEndTest).
    c.put("ates.analytics.reconciliation.interval", "0s");
    // Short leases: a restarted node (a new address) takes its entities back within seconds.
    c.put("ates.lease.duration", LEASE_DURATION);
    c.put("ates.lease.heartbeat-interval", LEASE_HEARTBEAT);
    c.put("ates.lease.safety-margin", LEASE_MARGIN);
    return ConfigFactory.parseMap(c);
  }

  /** Environment variables that give a child JVM running {@code ates.Main} the same setup. */
  @Override
  public Map<String, String> nodeEnvironment(
      NodeSetup setup, String services, int httpPort, int managementPort) {
    return environment(
        postgres.serverUrl(), kafka.bootstrapServers(), setup, services, httpPort, managementPort);
  }

  /** A child node's environment on the given Postgres server URL and Kafka bootstrap. */
  public static Map<String, String> environment(
      String dbUrl,
      String kafkaBootstrap,
      NodeSetup setup,
      String services,
      int httpPort,
      int managementPort) {
    Map<String, String> env = new HashMap<>();
    env.put("ATES_SERVICES", services);
    env.put("ATES_DATA_DIR", setup.dataDir().toString());
    env.put("ATES_DB_URL", dbUrl);
    env.put("ATES_DB_USER", "postgres");
    env.put("ATES_DB_PREFIX", setup.databasePrefix());
    env.put("ATES_KAFKA_BOOTSTRAP", kafkaBootstrap);
    env.put("ATES_KAFKA_TOPIC_PREFIX", setup.topicPrefix());
    env.put("ATES_HTTP_PORT", Integer.toString(httpPort));
    env.put("ATES_HTTP_INTERFACE", "127.0.0.1");
    env.put("ATES_MANAGEMENT_PORT", Integer.toString(managementPort));
    env.put("ATES_MANAGEMENT_BIND_HOST", "127.0.0.1");
    env.put("ATES_REMOTE_PORT", Integer.toString(freePort()));
    env.put("ATES_JWT_SECRET", JWT_SECRET);
    env.put("ATES_ADMIN_PASSWORD", ADMIN_PASSWORD);
    env.put("ATES_DEMO", "false");
    env.put("ATES_PASSWORD_ITERATIONS", "10000");
    env.put("ATES_KAFKA_LAG_INTERVAL", "1s");
    env.put("ATES_BOOTSTRAP_STABLE_MARGIN", "1s");
    env.put("ATES_BOOTSTRAP_INTERVAL", "500ms");
    env.put("ATES_RECONCILIATION_INTERVAL", "0s");
    env.put("ATES_LEASE_DURATION", LEASE_DURATION);
    env.put("ATES_LEASE_HEARTBEAT_INTERVAL", LEASE_HEARTBEAT);
    env.put("ATES_LEASE_SAFETY_MARGIN", LEASE_MARGIN);
    return env;
  }

  /** Lease timing of test nodes (production: 20 s, 2 s, 5 s). */
  public static final String LEASE_DURATION = "6s";

  public static final String LEASE_HEARTBEAT = "1s";
  public static final String LEASE_MARGIN = "2s";

  public static final String JWT_SECRET = "test-secret-test-secret-test-secret-0123456789";
  public static final String ADMIN_PASSWORD = "admin-password";
}
