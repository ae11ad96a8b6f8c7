package ates.testing;

import static org.awaitility.Awaitility.await;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * A node in a JVM of its own ({@code java ates.Main} on the test classpath), so that a test can
 * kill it with SIGKILL as an operator's bad day would.
 */
public final class NodeProcess {

  private final Process process;
  public final int httpPort;
  public final int managementPort;

  private NodeProcess(Process process, int httpPort, int managementPort) {
    this.process = process;
    this.httpPort = httpPort;
    this.managementPort = managementPort;
  }

  public static NodeProcess start(
      Map<String, String> env, int httpPort, int managementPort, Path log) {
    NodeProcess node = launch(env, httpPort, managementPort, log);
    node.awaitReady(log);
    return node;
  }

  /** Starts the node's JVM without waiting for it to be ready. */
  public static NodeProcess launch(
      Map<String, String> env, int httpPort, int managementPort, Path log) {
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.add("-Xmx512m");
    command.add("-cp");
    command.add(System.getProperty("java.class.path"));
    command.add("ates.Main");
    ProcessBuilder pb = new ProcessBuilder(command);
    pb.environment().putAll(env);
    pb.redirectErrorStream(true);
    pb.redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
    try {
      return new NodeProcess(pb.start(), httpPort, managementPort);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  public boolean isAlive() {
    return process.isAlive();
  }

  /** Whether {@code /ready} answers 200 now. */
  public boolean isReady() {
    try {
      return new Http(managementPort).get("/ready", null).status() == 200;
    } catch (RuntimeException e) {
      return false;
    }
  }

  public void awaitReady(Path log) {
    Http management = new Http(managementPort);
    await()
        .atMost(Duration.ofSeconds(90))
        .pollInterval(Duration.ofMillis(250))
        .ignoreExceptions()
        .failFast("node process exited, see " + log, () -> !process.isAlive())
        .until(() -> management.get("/ready", null).status() == 200);
  }

  /** SIGKILL: no shutdown hook, no CoordinatedShutdown, nothing flushed. */
  public void kill() {
    process.destroyForcibly();
    process.onExit().join();
  }

  /** SIGTERM: the node leaves the cluster and stops gracefully. */
  public void stop() {
    process.destroy();
    process.onExit().join();
  }

  public static File logFile(String name) {
    return Path.of("target", name + ".log").toFile();
  }
}
