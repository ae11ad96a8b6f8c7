package ates;

import ates.accounting.AccountingService;
import ates.analytics.AnalyticsService;
import ates.analytics.ReconcileCommand;
import ates.identity.IdentityService;
import ates.platform.AtesNode;
import ates.platform.Service;
import ates.platform.dr.Commands;
import ates.tasks.TasksService;
import com.typesafe.config.ConfigFactory;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Starts one aTES node; see README.md for the environment it reads. */
public final class Main {

  static {
    // With fewer than three cores the common pool gets parallelism 1, and then every async
    // CompletableFuture stage without an executor (Scala's toJava futures make thenApply async)
    // starts a thread of its own. Two workers at least, before anything touches the pool.
    if (System.getProperty("java.util.concurrent.ForkJoinPool.common.parallelism") == null) {
      int cores = Runtime.getRuntime().availableProcessors();
      System.setProperty(
          "java.util.concurrent.ForkJoinPool.common.parallelism",
          Integer.toString(Math.max(2, cores - 1)));
    }
  }

  private static final Logger log = LoggerFactory.getLogger(Main.class);
  private static final java.time.Duration EXIT_GRACE = java.time.Duration.ofSeconds(10);

  /** The services this build contains, in start order. */
  public static Map<String, Supplier<Service>> services() {
    Map<String, Supplier<Service>> services = new LinkedHashMap<>();
    services.put(IdentityService.NAME, IdentityService::new);
    services.put(TasksService.NAME, TasksService::new);
    services.put(AccountingService.NAME, AccountingService::new);
    services.put(AnalyticsService.NAME, AnalyticsService::new);
    return services;
  }

  public static void main(String[] args) {
    if (Commands.handles(args)) {
      System.exit(Commands.run(args, services(), System.out, System.err));
    }
    if (args.length > 0 && args[0].equals(ReconcileCommand.NAME)) {
      System.exit(
          ReconcileCommand.run(
              ConfigFactory.empty(),
              List.of(args).subList(1, args.length),
              System.out,
              System.err));
    }
    AtesNode node;
    try {
      node = AtesNode.start(ConfigFactory.empty(), services());
    } catch (RuntimeException e) {
      log.error("Exiting: {}", e.getCause() != null ? e.getCause().toString() : e.toString());
      System.exit(1);
      return;
    }
    node.system().getWhenTerminated().toCompletableFuture().join();
    log.info("aTES node stopped");
    // A node that left or was downed must go away, so its supervisor starts a fresh one: should a
    // library's shutdown hook hang, the JVM halts anyway.
    Thread halt =
        new Thread(
            () -> {
              try {
                Thread.sleep(EXIT_GRACE.toMillis());
              } catch (InterruptedException e) {
                return;
              }
              Runtime.getRuntime().halt(0);
            },
            "ates-exit-watchdog");
    halt.setDaemon(true);
    halt.start();
    System.exit(0);
  }

  private Main() {}
}
