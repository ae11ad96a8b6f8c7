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

  /**
   * JVM options of a test's node besides its heap: the C1 compiler only. A test's node lives for
   * minutes on two cores shared with two more nodes, PostgreSQL, Kafka and the test: the C2
   * compilations of three node JVMs starved everything else (a node restart under load took about
   * 90 s, with C1 only about 20 s; ThreeNodeClusterTest 621 s, with C1 only 264 s). Production
   * nodes keep both compilers. {@code -Dates.test.node-jvm-args} overrides it.
   */
  public static final String JVM_ARGS = "-XX:TieredStopAtLevel=1";

  private final Process process;
  public final int httpPort;
  public final int managementPort;

  private final Path log;

  private NodeProcess(Process process, int httpPort, int managementPort, Path log) {
    this.process = process;
    this.log = log;
    this.httpPort = httpPort;
    this.managementPort = managementPort;
  }

  public static NodeProcess start(
      Map<String, String> env, int httpPort, int managementPort, Path log) {
    NodeProcess node = launch(env, httpPort, managementPort, log);
    node.awaitReady(log);
    return node;
  }

  /**
   * Starts the JVM without waiting for it to become ready: several nodes that must find each other
   * (ATES_REQUIRED_CONTACT_POINTS) are launched first and awaited afterwards.
   */
  public static NodeProcess launch(
      Map<String, String> env, int httpPort, int managementPort, Path log) {
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.add("-Xmx512m");
    for (String arg : System.getProperty("ates.test.node-jvm-args", JVM_ARGS).split(" ")) {
      if (!arg.isBlank()) command.add(arg);
    }
    command.add("-cp");
    command.add(System.getProperty("java.class.path"));
    command.add("ates.Main");
    ProcessBuilder pb = new ProcessBuilder(command);
    pb.environment().putAll(env);
    pb.redirectErrorStream(true);
    pb.redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
    try {
      return new NodeProcess(pb.start(), httpPort, managementPort, log);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * Waits until the node's readiness check answers 200 (at most 300 s: a start on two loaded cores
   * has taken over 150 s).
   */
  public void awaitReady() {
    awaitReady(log);
  }

  /**
   * Starts a node that is expected to refuse to start, and waits for it to exit: its exit code (the
   * process is killed and -1 returned if it is still running after {@code timeout}).
   */
  public static int runUntilExit(Map<String, String> env, Path log, Duration timeout) {
    NodeProcess node = launch(env, -1, -1, log);
    try {
      if (node.process.waitFor(timeout.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS)) {
        return node.process.exitValue();
      }
      node.kill();
      return -1;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
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
        .atMost(Duration.ofSeconds(300))
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

  /** SIGSTOP: the JVM freezes, as in a long GC pause, until {@link #resume}. */
  public void pause() {
    signal("STOP");
  }

  /** SIGCONT after {@link #pause}. */
  public void resume() {
    signal("CONT");
  }

  private void signal(String name) {
    try {
      Process kill = new ProcessBuilder("kill", "-" + name, Long.toString(process.pid())).start();
      if (kill.waitFor() != 0) throw new IllegalStateException("kill -" + name + " failed");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  public boolean isAlive() {
    return process.isAlive();
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
