package ates.platform.dr;

import ates.platform.Service;
import ates.platform.db.RebuildableReadModel;
import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Supplier;
import java.util.stream.Collectors;

/**
 * The operator's data commands of operations.md ({@code java -jar target/ates.jar <command>}, same
 * environment as a node): {@code backup <dir>}, {@code restore <dir> [--force]}, {@code
 * db-failover}, {@code rebuild-read-models <service>... | all}, {@code republish}. Each prints what
 * it did and returns 0, or prints a one-line reason and returns non-zero.
 */
public final class Commands {

  public static final Set<String> NAMES =
      Set.of("backup", "restore", "db-failover", "rebuild-read-models", "republish");

  private Commands() {}

  /** Whether {@code args} name one of these commands. */
  public static boolean handles(String[] args) {
    return args.length > 0 && NAMES.contains(args[0]);
  }

  /**
   * Runs a command.
   *
   * @param available the services of this build, in the order events flow between them
   * @return the exit code
   */
  public static int run(
      String[] args, Map<String, Supplier<Service>> available, PrintStream out, PrintStream err) {
    List<String> services = List.copyOf(available.keySet());
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
        case "rebuild-read-models" -> {
          List<RebuildReadModels.Target> targets = readModelTargets(config, args, available);
          try (DatabaseServer server = DatabaseServer.open(config)) {
            for (RebuildReadModels.Reset r : RebuildReadModels.run(server, targets)) {
              out.printf(
                  "rebuild-read-models: %s: emptied %s (%d rows) and deleted the offsets of %s;"
                      + " the next node rebuilds them from the journal%n",
                  r.database(),
                  r.readModels().stream()
                      .flatMap(m -> m.tables().stream())
                      .collect(Collectors.joining(", ")),
                  r.rows(),
                  r.readModels().stream()
                      .map(RebuildableReadModel::projection)
                      .collect(Collectors.joining(", ")));
            }
          }
          return 0;
        }
        case "republish" -> {
          if (args.length != 1) throw new UsageException("republish");
          try (DatabaseServer server = DatabaseServer.open(config)) {
            for (Republish.Reset r : Republish.run(server, targets(config, services))) {
              out.printf(
                  "republish: %s: deleted %d publishing offsets; the next node publishes its"
                      + " journal again from the start%n",
                  r.database(), r.offsets());
            }
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

  /** The named services' read models ({@code all}: every service that has some). */
  private static List<RebuildReadModels.Target> readModelTargets(
      Config config, String[] args, Map<String, Supplier<Service>> available) {
    String usage =
        "rebuild-read-models <service>... | all (services: " + withReadModels(available) + ")";
    List<String> named = List.of(args).subList(1, args.length);
    if (named.isEmpty()) throw new UsageException(usage);
    List<String> services =
        named.equals(List.of("all")) ? withReadModels(available) : List.copyOf(named);
    String prefix = config.getString("ates.db.database-prefix");
    List<RebuildReadModels.Target> targets = new ArrayList<>();
    for (String service : services) {
      if (!available.containsKey(service)) throw new UsageException(usage);
      List<RebuildableReadModel> models = available.get(service).get().readModels();
      if (models.isEmpty()) {
        throw new IllegalArgumentException(
            service
                + " has no read model built from a journal (its tables come from the topics:"
                + " see docs/disaster-recovery.md)");
      }
      targets.add(new RebuildReadModels.Target(service, prefix + service, models));
    }
    return targets;
  }

  private static List<String> withReadModels(Map<String, Supplier<Service>> available) {
    return available.entrySet().stream()
        .filter(e -> !e.getValue().get().readModels().isEmpty())
        .map(Map.Entry::getKey)
        .toList();
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
