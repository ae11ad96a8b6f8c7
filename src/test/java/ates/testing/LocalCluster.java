package ates.testing;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

/**
 * Nodes of one cluster as child JVMs on this machine, started as README's "Run a cluster on one
 * machine" says: environment variables only, every node given the same {@code ATES_CONTACT_POINTS}.
 * Each slot keeps its ports, so a node restarted in a slot is "the same" node to its peers and
 * clients. Shares the test JVM's Postgres and Kafka.
 */
public final class LocalCluster implements AutoCloseable {

  /**
   * One node's fixed place: ports and services. With a remote proxy, the node binds Artery to
   * {@code remoteBindPort} and its peers reach it through the proxy on {@code remotePort}, so a
   * test can cut it off the cluster network.
   */
  public record Slot(
      int index,
      int httpPort,
      int managementPort,
      int remotePort,
      int remoteBindPort,
      String services) {
    public String contactPoint() {
      return "127.0.0.1:" + managementPort;
    }
  }

  private final NodeServers infra;
  private final Map<Integer, TcpFaultProxy> remoteProxies = new HashMap<>();
  private final TestInfra.NodeSetup setup;
  private final String name;
  private final List<Slot> slots = new ArrayList<>();
  private final Map<Integer, NodeProcess> running = new HashMap<>();
  private final Map<String, String> extraEnv;
  private final int formation;

  /**
   * @param formation how many slots form the cluster: they list each other as contact points and
   *     wait for each other ({@code ATES_REQUIRED_CONTACT_POINTS}); a later slot lists every slot
   *     and joins the cluster they formed, as a node added by an operator does
   * @param services the services of each slot, e.g. {@code "all", "all", "accounting,analytics"}
   */
  public LocalCluster(
      String name, int formation, Map<String, String> extraEnv, String... services) {
    this(TestInfra.get(), false, name, formation, extraEnv, services);
  }

  /**
   * @param servers the Postgres and Kafka the nodes use
   * @param proxiedRemoting put a {@link TcpFaultProxy} in front of each node's Artery port
   */
  public LocalCluster(
      NodeServers servers,
      boolean proxiedRemoting,
      String name,
      int formation,
      Map<String, String> extraEnv,
      String... services) {
    this.infra = servers;
    this.formation = formation;
    this.setup = infra.newNode();
    this.name = name;
    this.extraEnv = Map.copyOf(extraEnv);
    for (int i = 0; i < services.length; i++) {
      int remotePort = TestInfra.freePort();
      int bindPort = proxiedRemoting ? TestInfra.freePort() : remotePort;
      slots.add(
          new Slot(
              i, TestInfra.freePort(), TestInfra.freePort(), remotePort, bindPort, services[i]));
      if (proxiedRemoting) remoteProxies.put(i, TcpFaultProxy.start(remotePort, bindPort));
    }
  }

  public NodeServers infra() {
    return infra;
  }

  public TestInfra.NodeSetup setup() {
    return setup;
  }

  public List<Slot> slots() {
    return List.copyOf(slots);
  }

  public Slot slot(int index) {
    return slots.get(index);
  }

  /** {@code ATES_CONTACT_POINTS} of a slot (see the constructor's {@code formation}). */
  public String contactPoints(int index) {
    int listed = index < formation ? formation : slots.size();
    return slots.stream().limit(listed).map(Slot::contactPoint).collect(Collectors.joining(","));
  }

  /** Launches the given slots together and waits until each is ready. */
  public void start(int... indexes) {
    List<NodeProcess> launched = new ArrayList<>();
    for (int i : indexes) {
      NodeProcess node = launch(i);
      launched.add(node);
    }
    launched.forEach(NodeProcess::awaitReady);
  }

  /**
   * Launches, without waiting, every slot whose node has exited, as a supervisor restarts a pod:
   * the indexes launched.
   */
  public List<Integer> relaunchExited() {
    List<Integer> launched = new ArrayList<>();
    for (Slot slot : slots) {
      NodeProcess node = running.get(slot.index());
      if (node != null && !node.isAlive()) {
        launch(slot.index());
        launched.add(slot.index());
      }
    }
    return launched;
  }

  private NodeProcess launch(int index) {
    if (running.containsKey(index) && running.get(index).isAlive()) {
      throw new IllegalStateException("slot " + index + " is running");
    }
    Slot slot = slots.get(index);
    Map<String, String> env =
        new HashMap<>(
            infra.nodeEnvironment(setup, slot.services(), slot.httpPort(), slot.managementPort()));
    env.put("ATES_REMOTE_PORT", Integer.toString(slot.remotePort()));
    if (slot.remoteBindPort() != slot.remotePort()) {
      // Artery listens on the bind port; its canonical (advertised) port is the proxy's
      env.put(
          "JAVA_TOOL_OPTIONS",
          "-Dakka.remote.artery.bind.port="
              + slot.remoteBindPort()
              + " -Dakka.remote.artery.bind.hostname=127.0.0.1");
    }
    env.put("ATES_CONTACT_POINTS", contactPoints(index));
    env.put("ATES_REQUIRED_CONTACT_POINTS", Integer.toString(formation));
    env.putAll(extraEnv);
    Path log = Path.of("target", name + "-node" + index + ".log");
    NodeProcess node = NodeProcess.launch(env, slot.httpPort(), slot.managementPort(), log);
    running.put(index, node);
    return node;
  }

  public NodeProcess node(int index) {
    return running.get(index);
  }

  /** The slots whose node is running. */
  public List<Slot> up() {
    return slots.stream()
        .filter(s -> running.containsKey(s.index()) && running.get(s.index()).isAlive())
        .toList();
  }

  public void kill(int index) {
    running.get(index).kill();
  }

  public void stop(int index) {
    running.get(index).stop();
  }

  /** Waits until every running node sees exactly the running nodes as Up members. */
  public void awaitMembers(Duration timeout) {
    List<Slot> up = up();
    for (Slot slot : up) {
      Http management = new Http(slot.managementPort());
      await()
          .atMost(timeout)
          .pollInterval(Duration.ofMillis(250))
          .ignoreExceptions()
          .untilAsserted(
              () -> {
                JsonNode members = management.get("/cluster/members", null).json();
                long upMembers =
                    IntStream.range(0, members.get("members").size())
                        .mapToObj(i -> members.get("members").get(i))
                        .filter(m -> m.get("status").asText().equals("Up"))
                        .count();
                assertEquals(up.size(), upMembers, members.toString());
                assertEquals(0, members.get("unreachable").size(), members.toString());
              });
    }
  }

  /**
   * The shards of an entity type that a node hosts now (Akka Management's cluster HTTP {@code
   * /cluster/shards/{name}}, which asks the node's own shard region).
   */
  public int shardsOn(int index, String typeName) {
    Http management = new Http(slots.get(index).managementPort());
    JsonNode regions = management.get("/cluster/shards/" + typeName, null).json().get("regions");
    // one {shardId, numEntities} per shard the node's region hosts
    return regions.size();
  }

  /** The proxy in front of a node's Artery port (only with proxied remoting). */
  public TcpFaultProxy remoteProxy(int index) {
    return remoteProxies.get(index);
  }

  @Override
  public void close() {
    remoteProxies.values().forEach(TcpFaultProxy::close);
    for (NodeProcess node : running.values()) {
      if (node.isAlive()) {
        node.resume();
        node.kill();
      }
    }
  }
}
