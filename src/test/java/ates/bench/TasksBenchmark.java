package ates.bench;

import ates.Main;
import ates.contract.Topics;
import ates.platform.AtesNode;
import ates.testing.ConsumerLag;
import ates.testing.Http;
import ates.testing.TestInfra;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * Measures task creation throughput over HTTP and the time to shuffle N open tasks, on one node
 * against the real embedded Postgres and Kafka. Not a test: run it by hand (see README.md).
 *
 * <p>Arguments: number of tasks (default 10000), concurrent clients (default 16).
 */
public final class TasksBenchmark {

  public static void main(String[] args) throws Exception {
    int tasks = args.length > 0 ? Integer.parseInt(args[0]) : 10_000;
    int clients = args.length > 1 ? Integer.parseInt(args[1]) : 16;
    TestInfra infra = TestInfra.get();
    TestInfra.NodeSetup setup = infra.newNode();
    AtesNode node = AtesNode.start(infra.nodeConfig(setup, "identity,tasks"), Main.services());
    try {
      Http http = new Http(node.httpPort());
      String admin = http.login("admin", TestInfra.ADMIN_PASSWORD);
      for (int i = 1; i <= 5; i++) {
        http.createUser(admin, "worker" + i, "worker");
      }
      ConsumerLag.awaitCaughtUp(infra.kafkaBootstrap(), setup.topic("tasks-users"), setup.topic(Topics.USERS), Duration.ofSeconds(60));

      ExecutorService pool = Executors.newFixedThreadPool(clients);
      long start = System.nanoTime();
      List<CompletableFuture<Integer>> futures = new ArrayList<>();
      for (int i = 0; i < tasks; i++) {
        int n = i;
        futures.add(CompletableFuture.supplyAsync(
            () -> http.post("/api/tasks", admin, "{\"title\":\"Bench " + n + "\",\"description\":\"\"}").status(), pool));
      }
      List<Integer> statuses = futures.stream().map(CompletableFuture::join).toList();
      long created = statuses.stream().filter(s -> s == 201).count();
      statuses.stream().filter(s -> s != 201).distinct()
          .forEach(s -> System.out.printf("status %d: %d requests%n", s, statuses.stream().filter(s::equals).count()));
      double createSeconds = (System.nanoTime() - start) / 1e9;
      pool.shutdown();
      System.out.printf("created %d/%d tasks in %.1f s: %.0f tasks/s with %d clients%n",
          created, tasks, createSeconds, created / createSeconds, clients);

      long waitStart = System.nanoTime();
      while (http.get("/api/tasks?assignee=all&status=open", admin).json().size() < created) {
        Thread.onSpinWait();
      }
      System.out.printf("read model caught up %.1f s after the last 201%n", (System.nanoTime() - waitStart) / 1e9);

      Runtime rt = Runtime.getRuntime();
      long heapBefore = rt.totalMemory() - rt.freeMemory();
      long shuffleStart = System.nanoTime();
      Http.Response shuffled = http.post("/api/tasks/shuffle", admin, "");
      double shuffleSeconds = (System.nanoTime() - shuffleStart) / 1e9;
      long heapAfter = rt.totalMemory() - rt.freeMemory();
      System.out.printf("shuffle answered %d %s in %.1f s (%.0f tasks/s); heap %d MB -> %d MB%n",
          shuffled.status(), shuffled.body(), shuffleSeconds, created / shuffleSeconds,
          heapBefore >> 20, heapAfter >> 20);
    } finally {
      node.stop();
      System.exit(0);
    }
  }
}
