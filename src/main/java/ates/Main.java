package ates;

import ates.accounting.AccountingService;
import ates.analytics.AnalyticsService;
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
      System.exit(Commands.run(args, List.copyOf(services().keySet()), System.out, System.err));
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
    System.exit(0);
  }

  private Main() {}
}
