package ates.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * An operator command ({@code java ates.Main <command>}) in a JVM of its own, as a script runs it.
 */
public final class CommandProcess {

  /** Exit code and everything the command printed. */
  public record Result(int exitCode, String output, long millis) {}

  private CommandProcess() {}

  public static Result run(Map<String, String> env, Path log, String... args) {
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.add("-Xmx256m");
    command.add(NodeProcess.JVM_ARGS); // a command runs for seconds: C1 is enough
    command.add("-cp");
    command.add(System.getProperty("java.class.path"));
    command.add("ates.Main");
    command.addAll(List.of(args));
    ProcessBuilder pb = new ProcessBuilder(command);
    pb.environment().putAll(env);
    pb.redirectErrorStream(true);
    try {
      Path out = Files.createTempFile("ates-command-", ".log");
      pb.redirectOutput(out.toFile());
      long started = System.nanoTime();
      Process p = pb.start();
      if (!p.waitFor(5, TimeUnit.MINUTES)) {
        p.destroyForcibly();
        throw new AssertionError("command " + List.of(args) + " did not finish in 5 minutes");
      }
      long millis = (System.nanoTime() - started) / 1_000_000;
      String output = Files.readString(out, StandardCharsets.UTF_8);
      Files.writeString(
          log,
          "$ ates " + String.join(" ", args) + "\n" + output,
          StandardCharsets.UTF_8,
          java.nio.file.StandardOpenOption.CREATE,
          java.nio.file.StandardOpenOption.APPEND);
      Files.delete(out);
      return new Result(p.exitValue(), output, millis);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }
}
