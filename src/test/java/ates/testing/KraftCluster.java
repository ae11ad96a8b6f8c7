package ates.testing;

import static org.awaitility.Awaitility.await;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import kafka.server.KafkaConfig;
import kafka.server.KafkaRaftServer;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.Node;
import org.apache.kafka.common.TopicPartitionInfo;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.utils.Time;
import org.apache.kafka.metadata.storage.Formatter;

/**
 * Three real Kafka 3.9 brokers in this JVM, in KRaft mode, each both broker and controller, with a
 * static three-voter quorum, all on loopback: the production shape (three brokers, internal topics
 * at replication factor 3, {@code min.insync.replicas} 2, no unclean election) for drills that stop
 * one broker. Each broker keeps its data in a directory of its own, formatted once with the
 * cluster's id, so a broker stopped with {@link #stop} comes back with {@link #restart} on its data
 * and catches up from the others.
 *
 * <p>A stopped broker shuts down without a controlled shutdown: it does not hand its partitions'
 * leadership over first, so the controller notices only when the broker's session expires (the
 * default 9 s), as it does when a broker dies. Its controller role stops with it (a quorum of two
 * of three voters remains).
 */
public final class KraftCluster implements AutoCloseable {

  /** Node ids 1..3. */
  public static final int SIZE = 3;

  private static final String HOST = "127.0.0.1";
  private static final Duration READY_TIMEOUT = Duration.ofSeconds(90);

  private final Path root;
  private final String clusterId = Uuid.randomUuid().toString();
  private final int[] ports = new int[SIZE + 1];
  private final int[] controllerPorts = new int[SIZE + 1];
  private final Map<Integer, KafkaRaftServer> running = new ConcurrentHashMap<>();

  private KraftCluster(Path root) {
    this.root = root;
    for (int id = 1; id <= SIZE; id++) {
      ports[id] = TestInfra.freePort();
      controllerPorts[id] = TestInfra.freePort();
    }
  }

  /** Starts the three brokers together (a broker's start waits for the quorum). */
  public static KraftCluster start() {
    KraftCluster cluster;
    try {
      cluster = new KraftCluster(Files.createTempDirectory("ates-kraft-"));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    cluster.startAll();
    return cluster;
  }

  /**
   * Starts every broker together, on their data (a broker's start waits for the quorum, so one by
   * one would not do); returns once the cluster lists all three.
   */
  public void startAll() {
    if (!running.isEmpty()) throw new IllegalStateException("brokers " + running.keySet() + " run");
    try {
      List<CompletableFuture<Void>> starts = new ArrayList<>();
      for (int id = 1; id <= SIZE; id++) {
        int node = id;
        starts.add(CompletableFuture.runAsync(() -> startBroker(node)));
      }
      CompletableFuture.allOf(starts.toArray(CompletableFuture[]::new))
          .get(READY_TIMEOUT.toSeconds(), TimeUnit.SECONDS);
      awaitBrokers(SIZE);
    } catch (Exception e) {
      throw new IllegalStateException("three-broker Kafka did not start", e);
    }
  }

  /** Stops every broker at once, keeping their data: {@link #startAll} brings them back. */
  public void stopAll() {
    close();
  }

  /** {@code bootstrap.servers} listing every broker. */
  public String bootstrapServers() {
    return IntStream.rangeClosed(1, SIZE)
        .mapToObj(id -> HOST + ":" + ports[id])
        .collect(Collectors.joining(","));
  }

  /** Stops a broker (and its controller) at once, without a controlled shutdown. */
  public void stop(int nodeId) {
    KafkaRaftServer server = running.remove(nodeId);
    if (server == null) throw new IllegalStateException("broker " + nodeId + " is not running");
    server.shutdown();
    server.awaitShutdown();
  }

  /** Starts a stopped broker again on its data and ports; returns once the cluster lists it. */
  public void restart(int nodeId) {
    if (running.containsKey(nodeId)) {
      throw new IllegalStateException("broker " + nodeId + " is running");
    }
    startBroker(nodeId);
    awaitBrokers(SIZE);
  }

  /**
   * The partitions of the given topics whose in-sync replicas are fewer than their replicas (read
   * through the running brokers).
   */
  public List<String> underReplicated(Collection<String> topics) {
    try (Admin admin = admin()) {
      Map<String, TopicDescription> described =
          admin.describeTopics(topics).allTopicNames().get(10, TimeUnit.SECONDS);
      List<String> under = new ArrayList<>();
      for (TopicDescription d : described.values()) {
        for (TopicPartitionInfo p : d.partitions()) {
          if (p.isr().size() < p.replicas().size()) under.add(d.name() + "-" + p.partition());
        }
      }
      return under;
    } catch (Exception e) {
      throw new IllegalStateException("cannot describe " + topics, e);
    }
  }

  /** Leader node id of each partition of the given topics ({@code topic-partition} → id). */
  public Map<String, Integer> leaders(Collection<String> topics) {
    try (Admin admin = admin()) {
      Map<String, Integer> leaders = new HashMap<>();
      for (TopicDescription d :
          admin.describeTopics(topics).allTopicNames().get(10, TimeUnit.SECONDS).values()) {
        for (TopicPartitionInfo p : d.partitions()) {
          leaders.put(d.name() + "-" + p.partition(), p.leader() == null ? -1 : p.leader().id());
        }
      }
      return leaders;
    } catch (Exception e) {
      throw new IllegalStateException("cannot describe " + topics, e);
    }
  }

  /** The node id of the active KRaft controller. */
  public int activeController() {
    try (Admin admin = admin()) {
      return admin.describeMetadataQuorum().quorumInfo().get(10, TimeUnit.SECONDS).leaderId();
    } catch (Exception e) {
      throw new IllegalStateException("cannot describe the metadata quorum", e);
    }
  }

  /** An admin client on every broker; close it. */
  public Admin admin() {
    return Admin.create(
        Map.of(
            AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG,
            bootstrapServers(),
            AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG,
            10_000,
            AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG,
            5_000));
  }

  /** Stops every running broker at once (one by one, the last would wait for a lost quorum). */
  @Override
  public void close() {
    List<KafkaRaftServer> servers = List.copyOf(running.values());
    running.clear();
    List<Thread> stops = new ArrayList<>();
    for (KafkaRaftServer server : servers) {
      Thread t =
          new Thread(
              () -> {
                server.shutdown();
                server.awaitShutdown();
              },
              "kraft-stop");
      t.start();
      stops.add(t);
    }
    for (Thread t : stops) {
      try {
        t.join(60_000);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
    }
  }

  private void startBroker(int nodeId) {
    Path logDir = root.resolve("broker-" + nodeId);
    KafkaConfig config = new KafkaConfig(properties(nodeId, logDir), false);
    formatIfNeeded(config, logDir);
    KafkaRaftServer server = new KafkaRaftServer(config, Time.SYSTEM);
    running.put(nodeId, server);
    server.startup();
  }

  private void awaitBrokers(int count) {
    try (Admin admin = admin()) {
      await()
          .atMost(READY_TIMEOUT)
          .pollInterval(Duration.ofMillis(200))
          .ignoreExceptions()
          .until(
              () -> {
                Collection<Node> nodes = admin.describeCluster().nodes().get(5, TimeUnit.SECONDS);
                return nodes.size() == count;
              });
    }
  }

  private Properties properties(int nodeId, Path logDir) {
    String voters =
        IntStream.rangeClosed(1, SIZE)
            .mapToObj(id -> id + "@" + HOST + ":" + controllerPorts[id])
            .collect(Collectors.joining(","));
    Properties p = new Properties();
    p.put("process.roles", "broker,controller");
    p.put("node.id", Integer.toString(nodeId));
    p.put("controller.quorum.voters", voters);
    p.put(
        "listeners",
        "PLAINTEXT://"
            + HOST
            + ":"
            + ports[nodeId]
            + ",CONTROLLER://"
            + HOST
            + ":"
            + controllerPorts[nodeId]);
    p.put("advertised.listeners", "PLAINTEXT://" + HOST + ":" + ports[nodeId]);
    p.put("listener.security.protocol.map", "PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT");
    p.put("controller.listener.names", "CONTROLLER");
    p.put("inter.broker.listener.name", "PLAINTEXT");
    p.put("log.dirs", logDir.toString());
    // the production shape: three replicas, two in sync for a write, no unclean election
    p.put("default.replication.factor", "3");
    p.put("min.insync.replicas", "2");
    p.put("unclean.leader.election.enable", "false");
    p.put("offsets.topic.replication.factor", "3");
    p.put("transaction.state.log.replication.factor", "3");
    p.put("transaction.state.log.min.isr", "2");
    // a stopped broker is a lost broker: no leadership handed over before it goes
    p.put("controlled.shutdown.enable", "false");
    p.put("auto.create.topics.enable", "false");
    p.put("group.initial.rebalance.delay.ms", "0");
    // small footprint: three brokers share the test JVM
    p.put("offsets.topic.num.partitions", "3");
    p.put("transaction.state.log.num.partitions", "1");
    p.put("log.segment.bytes", Integer.toString(16 * 1024 * 1024));
    p.put("log.cleaner.dedupe.buffer.size", Integer.toString(4 * 1024 * 1024));
    p.put("num.network.threads", "2");
    p.put("num.io.threads", "2");
    p.put("num.replica.fetchers", "1");
    return p;
  }

  private void formatIfNeeded(KafkaConfig config, Path logDir) {
    if (Files.exists(logDir.resolve("meta.properties"))) return;
    ByteArrayOutputStream output = new ByteArrayOutputStream();
    try (PrintStream out = new PrintStream(output, true, StandardCharsets.UTF_8)) {
      new Formatter()
          .setPrintStream(out)
          .setNodeId(config.nodeId())
          .setClusterId(clusterId)
          .setControllerListenerName("CONTROLLER")
          .setMetadataLogDirectory(config.metadataLogDir())
          .addDirectory(logDir.toString())
          .run();
    } catch (Exception e) {
      throw new IllegalStateException("cannot format " + logDir + ": " + output, e);
    }
  }
}
