package ates.platform.infra;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.Collection;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import kafka.server.KafkaConfig;
import kafka.server.KafkaRaftServer;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.DescribeClusterOptions;
import org.apache.kafka.common.Node;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.utils.Time;
import org.apache.kafka.metadata.properties.MetaPropertiesEnsemble;
import org.apache.kafka.metadata.storage.Formatter;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A real Apache Kafka broker running inside this JVM, in KRaft mode, as a single node that is both
 * broker and controller.
 *
 * <p>The broker keeps everything (records and the KRaft metadata log) in {@code
 * dataDir/kafka-logs}. That directory is formatted, with a freshly generated cluster id, only the
 * first time; every later start, including one after the JVM was killed, finds the existing {@code
 * meta.properties} and so reuses the same cluster with all of its topics and records.
 *
 * <p>Kafka's own server classes ({@link KafkaRaftServer}, {@link KafkaConfig}, {@link Formatter})
 * are used directly, as {@code kafka-storage.sh} and {@code kafka-server-start.sh} do, so the
 * broker behaves like a standalone one. That includes Kafka's handling of faults it considers fatal
 * (a controller that cannot start, a failed log directory, corrupt metadata): it halts the whole
 * JVM. The foreseeable causes, a busy port and a data directory already in use, are therefore
 * checked here first and reported as exceptions instead.
 *
 * <pre>{@code
 * try (EmbeddedKafka kafka = EmbeddedKafka.start(dataDir, 9092, 9093)) {
 *     String bootstrap = kafka.bootstrapServers();
 *     ...
 * }
 * }</pre>
 */
public final class EmbeddedKafka implements AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(EmbeddedKafka.class);

  /** The node id of the single combined broker/controller. */
  private static final int NODE_ID = 1;

  private static final String HOST = "127.0.0.1";
  private static final String BROKER_LISTENER = "PLAINTEXT";
  private static final String CONTROLLER_LISTENER = "CONTROLLER";

  /** File in the data directory that an open EmbeddedKafka holds locked. */
  private static final String LOCK_FILE = "embedded-kafka.lock";

  /** How long {@link #start} waits for the broker to answer clients before giving up. */
  private static final Duration READY_TIMEOUT = Duration.ofSeconds(60);

  /** Pause between two readiness probes. */
  private static final Duration READY_POLL_INTERVAL = Duration.ofMillis(200);

  /** How long a single readiness probe may take. */
  private static final Duration PROBE_TIMEOUT = Duration.ofSeconds(5);

  private final KafkaRaftServer server;
  private final FileLock dataDirLock;
  private final int port;
  private final AtomicBoolean closed = new AtomicBoolean(false);

  private EmbeddedKafka(KafkaRaftServer server, FileLock dataDirLock, int port) {
    this.server = server;
    this.dataDirLock = dataDirLock;
    this.port = port;
  }

  /**
   * Starts the broker and returns once it answers client requests.
   *
   * @param dataDir directory under which Kafka keeps its data (created if missing)
   * @param port port of the PLAINTEXT client listener on 127.0.0.1
   * @param controllerPort port of the KRaft controller listener on 127.0.0.1
   * @return the running broker; {@link #close()} it to shut it down
   * @throws IllegalStateException if the broker cannot be started or does not become ready in time
   */
  public static EmbeddedKafka start(Path dataDir, int port, int controllerPort) {
    long startedAt = System.nanoTime();
    Path dir = dataDir.toAbsolutePath();
    String bootstrapServers = bootstrapServers(port);

    FileLock lock = lockDataDir(dir);
    KafkaRaftServer server = null;
    boolean formatted;
    try {
      requirePortFree(port, "client");
      requirePortFree(controllerPort, "controller");

      Path logDir = dir.resolve("kafka-logs");
      KafkaConfig config = new KafkaConfig(brokerProperties(logDir, port, controllerPort), false);
      formatted = formatIfNeeded(config, logDir);

      server = new KafkaRaftServer(config, Time.SYSTEM);
      server.startup();
      awaitReady(bootstrapServers);
    } catch (RuntimeException e) {
      // Release whatever did start (ports, threads, the directory lock) before reporting.
      if (server != null) {
        stop(server);
      }
      unlock(lock);
      throw new IllegalStateException(
          "Embedded Kafka broker failed to start on " + bootstrapServers + " (data " + dir + ")",
          e);
    }

    log.info(
        "Embedded Kafka broker started on {} (data {}{}, {} ms)",
        bootstrapServers,
        dir,
        formatted ? ", newly formatted" : "",
        TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startedAt));
    return new EmbeddedKafka(server, lock, port);
  }

  /** The {@code bootstrap.servers} value clients should use to reach this broker. */
  public String bootstrapServers() {
    return bootstrapServers(port);
  }

  /**
   * Shuts the broker down cleanly and waits until it has stopped. Calling it again does nothing.
   */
  @Override
  public void close() {
    if (closed.compareAndSet(false, true)) {
      try {
        stop(server);
      } finally {
        unlock(dataDirLock);
      }
      log.debug("Embedded Kafka broker on {} stopped", bootstrapServers());
    }
  }

  private static String bootstrapServers(int port) {
    return HOST + ":" + port;
  }

  /**
   * The broker configuration: one node in the combined broker+controller role with a static
   * single-voter quorum, and replication settings that a single node can satisfy.
   *
   * <p>A static voter list ({@code controller.quorum.voters}) is used rather than a dynamic quorum,
   * because a dynamic quorum records the controller endpoint in the formatted storage, whereas a
   * static one is read from the configuration on every start.
   */
  private static Properties brokerProperties(Path logDir, int port, int controllerPort) {
    Properties props = new Properties();

    // KRaft identity and listeners.
    props.put("process.roles", "broker,controller");
    props.put("node.id", String.valueOf(NODE_ID));
    props.put("controller.quorum.voters", NODE_ID + "@" + HOST + ":" + controllerPort);
    props.put(
        "listeners",
        BROKER_LISTENER
            + "://"
            + HOST
            + ":"
            + port
            + ","
            + CONTROLLER_LISTENER
            + "://"
            + HOST
            + ":"
            + controllerPort);
    props.put("advertised.listeners", BROKER_LISTENER + "://" + HOST + ":" + port);
    props.put(
        "listener.security.protocol.map",
        BROKER_LISTENER + ":PLAINTEXT," + CONTROLLER_LISTENER + ":PLAINTEXT");
    props.put("controller.listener.names", CONTROLLER_LISTENER);
    props.put("inter.broker.listener.name", BROKER_LISTENER);

    // Storage: records and the metadata log share the one directory.
    props.put("log.dirs", logDir.toString());

    // A single node can hold only one replica of anything.
    props.put("offsets.topic.replication.factor", "1");
    props.put("transaction.state.log.replication.factor", "1");
    props.put("transaction.state.log.min.isr", "1");
    props.put("min.insync.replicas", "1");
    props.put("default.replication.factor", "1");

    // Topics are created explicitly; consumer groups start without the usual rebalance delay.
    props.put("auto.create.topics.enable", "false");
    props.put("num.partitions", "1");
    props.put("group.initial.rebalance.delay.ms", "0");

    // After the JVM was killed, the controller keeps the broker's previous registration until
    // its session expires, and the restarted broker cannot register before then. A shorter
    // session than the default 9 s (with a matching heartbeat) keeps that restart quick.
    props.put("broker.heartbeat.interval.ms", "1000");
    props.put("broker.session.timeout.ms", "3000");

    // Keep the footprint small: fewer internal partitions, threads and buffers than the
    // production defaults (50 partitions per internal topic, a 128 MiB compaction buffer).
    props.put("offsets.topic.num.partitions", "1");
    props.put("transaction.state.log.num.partitions", "1");
    props.put("log.segment.bytes", String.valueOf(64 * 1024 * 1024));
    props.put("log.cleaner.dedupe.buffer.size", String.valueOf(16 * 1024 * 1024));
    props.put("num.network.threads", "2");
    props.put("num.io.threads", "4");
    return props;
  }

  /**
   * Formats the log directory with a new cluster id unless it already holds a {@code
   * meta.properties}; an existing cluster is always reused as it is. The formatter writes {@code
   * meta.properties} last, so a format that was interrupted is simply done again.
   *
   * @return whether the directory was formatted now
   */
  private static boolean formatIfNeeded(KafkaConfig config, Path logDir) {
    if (Files.exists(logDir.resolve(MetaPropertiesEnsemble.META_PROPERTIES_NAME))) {
      return false;
    }
    // The Formatter reports progress on a PrintStream; keep it off stdout and log it instead.
    ByteArrayOutputStream output = new ByteArrayOutputStream();
    try (PrintStream printStream = new PrintStream(output, true, StandardCharsets.UTF_8)) {
      new Formatter()
          .setPrintStream(printStream)
          .setNodeId(config.nodeId())
          .setClusterId(Uuid.randomUuid().toString())
          .setControllerListenerName(CONTROLLER_LISTENER)
          .setMetadataLogDirectory(config.metadataLogDir())
          .addDirectory(logDir.toString())
          .run();
    } catch (Exception e) {
      throw new IllegalStateException("Cannot format Kafka log directory " + logDir, e);
    }
    log.debug("Kafka storage formatter: {}", output.toString(StandardCharsets.UTF_8).trim());
    return true;
  }

  /**
   * Takes an exclusive lock on the data directory, held until {@link #close()}, so that a second
   * broker on the same directory, in this JVM or another process, is refused before Kafka touches
   * any file.
   */
  private static FileLock lockDataDir(Path dir) {
    FileChannel channel = null;
    try {
      Files.createDirectories(dir);
      channel =
          FileChannel.open(
              dir.resolve(LOCK_FILE), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
      FileLock lock = channel.tryLock();
      if (lock != null) {
        return lock;
      }
    } catch (IOException e) {
      closeQuietly(channel);
      throw new IllegalStateException("Cannot lock Kafka data directory " + dir, e);
    } catch (OverlappingFileLockException e) {
      // Thrown instead of returning null when this JVM already holds the lock.
    }
    closeQuietly(channel);
    throw new IllegalStateException(
        "Kafka data directory " + dir + " is already in use by another broker");
  }

  /**
   * Releases the data directory lock; closing its channel is what releases it, and is idempotent.
   */
  private static void unlock(FileLock lock) {
    closeQuietly(lock.channel());
  }

  private static void closeQuietly(FileChannel channel) {
    if (channel == null) {
      return;
    }
    try {
      channel.close();
    } catch (IOException e) {
      log.warn("Cannot close {}", channel, e);
    }
  }

  /**
   * Fails fast when a port is already taken. Kafka treats a controller listener that cannot bind as
   * fatal and halts the JVM, so this is checked before starting it. (Another process could still
   * take the port in between; this catches the usual case of a leftover instance.)
   */
  private static void requirePortFree(int port, String purpose) {
    try (ServerSocket socket = new ServerSocket()) {
      socket.setReuseAddress(true);
      socket.bind(new InetSocketAddress(HOST, port));
    } catch (IOException e) {
      throw new IllegalStateException(
          "Kafka " + purpose + " port " + HOST + ":" + port + " is not available", e);
    }
  }

  /** Shuts a started (or partly started) server down and waits for it. */
  private static void stop(KafkaRaftServer server) {
    server.shutdown();
    server.awaitShutdown();
  }

  /**
   * Polls the broker with an admin client until the cluster description lists this node, so that
   * callers get a broker that already serves requests.
   */
  private static void awaitReady(String bootstrapServers) {
    long deadline = System.nanoTime() + READY_TIMEOUT.toNanos();
    Properties adminProps = new Properties();
    adminProps.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
    adminProps.put(AdminClientConfig.CLIENT_ID_CONFIG, "embedded-kafka-readiness");
    adminProps.put(
        AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, String.valueOf(PROBE_TIMEOUT.toMillis()));
    adminProps.put(
        AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, String.valueOf(PROBE_TIMEOUT.toMillis()));

    Exception lastFailure = null;
    try (Admin admin = Admin.create(adminProps)) {
      while (System.nanoTime() < deadline) {
        try {
          Collection<Node> nodes =
              admin
                  .describeCluster(
                      new DescribeClusterOptions().timeoutMs((int) PROBE_TIMEOUT.toMillis()))
                  .nodes()
                  .get(PROBE_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
          if (nodes.size() == 1) {
            return;
          }
          lastFailure = new IllegalStateException("cluster reports nodes " + nodes);
        } catch (ExecutionException | TimeoutException e) {
          lastFailure = e;
        }
        Thread.sleep(READY_POLL_INTERVAL.toMillis());
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(
          "Interrupted while waiting for Kafka on " + bootstrapServers, e);
    }
    throw new IllegalStateException(
        "Kafka broker on "
            + bootstrapServers
            + " did not become ready within "
            + READY_TIMEOUT.toSeconds()
            + " s",
        lastFailure);
  }
}
