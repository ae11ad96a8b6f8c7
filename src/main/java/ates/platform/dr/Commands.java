package ates.platform.dr;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * The operator's data commands of operations.md ({@code java -jar target/ates.jar <command>}, same
 * environment as a node): {@code backup <dir>}, {@code restore <dir> [--force]}, {@code
 * db-failover}. Each prints what it did and returns 0, or prints a one-line reason and returns
 * non-zero.
 */
public final class Commands {

  public static final Set<String> NAMES = Set.of("backup", "restore", "db-failover");

  private Commands() {}

  /** Whether {@code args} name one of these commands. */
  public static boolean handles(String[] args) {
    return args.length > 0 && NAMES.contains(args[0]);
  }

  /**
   * Runs a command.
   *
   * @param services the services of this build, in the order events flow between them
   * @return the exit code
   */
  public static int run(String[] args, List<String> services, PrintStream out, PrintStream err) {
    Config config = ConfigFactory.load(ConfigFactory.parseResourcesAnySyntax("application"));
    String command = args[0];
    try {
      switch (command) {
        case "backup" -> {
          Path dir = directory(args, "backup <dir>");
          long started = System.nanoTime();
          try (DatabaseServer server = DatabaseServer.open(config)) {
            Manifest m = Backup.run(server, targets(config, services), dir);
            out.printf(
                "backup: %d databases, %d rows, %d bytes in %d ms to %s (manifest %s)%n",
                m.databases().size(),
                m.rows(),
                m.bytes(),
                (System.nanoTime() - started) / 1_000_000,
                dir,
                Manifest.FILE);
          }
          return 0;
        }
        case "restore" -> {
          Path dir = directory(args, "restore <dir> [--force]");
          boolean force = List.of(args).contains("--force");
          long started = System.nanoTime();
          try (DatabaseServer server = DatabaseServer.open(config)) {
            Restore.Result r = Restore.run(server, dir, force, 2);
            for (String note : r.notes()) out.println("restore: " + note);
            out.printf(
                "restore: %d databases, %d rows in %d ms from %s%s%n",
                r.databases(),
                r.rows(),
                (System.nanoTime() - started) / 1_000_000,
                dir,
                server.startedHere() ? " (embedded PostgreSQL started and stopped)" : "");
          }
          return 0;
        }
        case "db-failover" -> {
          out.println("db-failover: " + Failover.promote(config));
          return 0;
        }
        default -> {
          err.println(command + ": unknown command");
          return 2;
        }
      }
    } catch (UsageException e) {
      err.println("usage: " + e.getMessage());
      return 2;
    } catch (Exception e) {
      err.println(command + " failed: " + oneLine(e));
      return 1;
    }
  }

  private static Path directory(String[] args, String usage) {
    List<String> positional = new ArrayList<>();
    for (int i = 1; i < args.length; i++) if (!args[i].startsWith("--")) positional.add(args[i]);
    if (positional.size() != 1) throw new UsageException(usage);
    return Path.of(positional.get(0)).toAbsolutePath().normalize();
  }

  static List<Backup.Target> targets(Config config, List<String> services) {
    String prefix = config.getString("ates.db.database-prefix");
    return services.stream().map(s -> new Backup.Target(s, prefix + s)).toList();
  }

  private static String oneLine(Throwable e) {
    Throwable root = e;
    while (root.getCause() != null && root.getCause() != root) root = root.getCause();
    String message = e.getMessage() != null ? e.getMessage() : e.toString();
    if (root != e && root.getMessage() != null && !message.contains(root.getMessage()))
      message += ": " + root.getMessage();
    return message.replace('\n', ' ');
  }

  private static final class UsageException extends RuntimeException {
    UsageException(String usage) {
      super(usage);
    }
  }
}
