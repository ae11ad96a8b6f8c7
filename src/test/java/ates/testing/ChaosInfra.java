package ates.testing;

import ates.platform.infra.EmbeddedKafka;
import ates.platform.infra.EmbeddedPostgresServer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A Postgres server and a Kafka broker of the chaos suite's own, which it may stop and start: real
 * servers on fixed ports and data directories, so a restarted one is the same server. The nodes
 * reach Postgres through a {@link TcpFaultProxy}, so the suite can also slow, reset or blackhole
 * the wire between them.
 */
public final class ChaosInfra implements NodeServers, AutoCloseable {

  private static final AtomicInteger NODES = new AtomicInteger();

  private final Path root;
  private final int postgresPort = TestInfra.freePort();
  private final int kafkaPort = TestInfra.freePort();
  private final int kafkaControllerPort = TestInfra.freePort();
  private final TcpFaultProxy postgresProxy;
  private volatile EmbeddedPostgresServer postgres;
  private volatile EmbeddedKafka kafka;

  public ChaosInfra() {
    try {
      root = Files.createTempDirectory("ates-chaos-");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    startPostgres();
    startKafka();
    postgresProxy = TcpFaultProxy.start(0, postgresPort);
  }

  public void startPostgres() {
    postgres = EmbeddedPostgresServer.start(root.resolve("postgres"), postgresPort);
  }

  /** A fast shutdown: connections are cut, as when the server goes away. */
  public void stopPostgres() {
    postgres.close();
  }

  public void startKafka() {
    kafka = EmbeddedKafka.start(root.resolve("kafka"), kafkaPort, kafkaControllerPort);
  }

  public void stopKafka() {
    kafka.close();
  }

  /** The wire between the nodes and Postgres. */
  public TcpFaultProxy postgresProxy() {
    return postgresProxy;
  }

  @Override
  public TestInfra.NodeSetup newNode() {
    int n = NODES.incrementAndGet();
    return new TestInfra.NodeSetup("c" + n + "_", "c" + n + ".", root.resolve("node-" + n));
  }

  @Override
  public Map<String, String> nodeEnvironment(
      TestInfra.NodeSetup setup, String services, int httpPort, int managementPort) {
    return TestInfra.environment(
        "jdbc:postgresql://127.0.0.1:" + postgresProxy.port(),
        kafkaBootstrap(),
        setup,
        services,
        httpPort,
        managementPort);
  }

  @Override
  public String kafkaBootstrap() {
    return "127.0.0.1:" + kafkaPort;
  }

  @Override
  public void close() {
    postgresProxy.close();
    kafka.close();
    postgres.close();
  }
}
