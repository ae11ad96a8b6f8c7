package ates.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.Statement;
import java.time.Duration;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.HdrHistogram.Histogram;

/**
 * The benchmark of operations.md: starts a node as the Quick start does (embedded PostgreSQL and
 * Kafka, every service) in a JVM of its own, drives HTTP load from this JVM, and writes {@code
 * target/bench/summary.json}, a table on stdout and {@code target/bench/chart.html}.
 *
 * <p>Phases, in order: warm-up (10,000 tasks, which the shuffle then reassigns); the node's idle
 * CPU; the shuffle; raw single-row INSERT commits on the node's PostgreSQL (16 connections); the
 * front door's saturation (closed loop, 64 clients); create latency at fixed arrival rates of 250,
 * 500, 1,000 and 2,000 per second (open model); the highest create rate whose end-to-end lag (a
 * create's 201 to its fee applied by analytics) keeps its p99 under 1 s for 60 s.
 *
 * <p>End-to-end lag: analytics' management earnings of today rise by each task's fee once analytics
 * has applied it. With only creates in flight, the task whose fee completes the running sum of fees
 * (in order of the 201s) counts as applied when the earnings reach that sum, polled every 50 ms.
 * Not a test: it measures, it asserts nothing.
 */
public final class Benchmark {

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Path OUT = Path.of("target", "bench");
  private static final double[] RATES = {250, 500, 1000, 2000};

  /** Requests the open model keeps in flight at most; one more counts as failed at once. */
  private static final int MAX_IN_FLIGHT = 512;

  /** Latency recorded for a request the open model could not even send (10 s). */
  private static final long LATENCY_CAP_MICROS = 10_000_000;

  private final HttpClient client =
      HttpClient.newBuilder()
          .version(HttpClient.Version.HTTP_1_1)
          .connectTimeout(Duration.ofSeconds(5))
          .executor(Executors.newFixedThreadPool(4))
          .build();
  private final String api;
  private final int dbPort;
  private final Process node;
  private String token;
  private final long benchStart = System.nanoTime();
  private final List<double[]> latencySeries = new ArrayList<>();
  private final List<double[]> lagSeries = new ArrayList<>();

  private Benchmark(String api, int dbPort, Process node) {
    this.api = api;
    this.dbPort = dbPort;
    this.node = node;
  }

  public static void main(String[] args) throws Exception {
    Files.createDirectories(OUT);
    Path data = OUT.resolve("data");
    deleteRecursively(data);
    int http = freePort();
    int management = freePort();
    int db = freePort();
    Process node = startNode(data, http, management, db);
    int exit = 0;
    try {
      Benchmark bench = new Benchmark("http://127.0.0.1:" + http, db, node);
      bench.awaitReady(management);
      bench.run();
    } catch (Exception e) {
      e.printStackTrace();
      exit = 1;
    } finally {
      node.destroy();
      if (!node.waitFor(60, TimeUnit.SECONDS)) node.destroyForcibly();
    }
    System.exit(exit);
  }

  private static Process startNode(Path data, int http, int management, int db) throws IOException {
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.add("-Xmx1g");
    if (Boolean.getBoolean("ates.bench.jfr")) {
      // -Dates.bench.jfr=true: a JFR profile of the node, for "profile before you optimise"
      command.add(
          "-XX:StartFlightRecording=filename="
              + OUT.resolve("node.jfr").toAbsolutePath()
              + ",settings=profile,dumponexit=true");
    }
    command.add("-cp");
    command.add(System.getProperty("java.class.path"));
    command.add("ates.Main");
    ProcessBuilder pb = new ProcessBuilder(command);
    pb.environment().put("ATES_DATA_DIR", data.toString());
    pb.environment().put("ATES_HTTP_PORT", Integer.toString(http));
    pb.environment().put("ATES_MANAGEMENT_PORT", Integer.toString(management));
    pb.environment().put("ATES_DB_PORT", Integer.toString(db));
    pb.environment().put("ATES_KAFKA_PORT", Integer.toString(freePort()));
    pb.environment().put("ATES_KAFKA_CONTROLLER_PORT", Integer.toString(freePort()));
    pb.environment().put("ATES_REMOTE_PORT", Integer.toString(freePort()));
    pb.redirectErrorStream(true);
    pb.redirectOutput(OUT.resolve("node.log").toFile());
    return pb.start();
  }

  private void awaitReady(int management) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(180);
    while (System.nanoTime() < deadline) {
      if (!node.isAlive()) throw new IllegalStateException("the node exited; see " + OUT);
      try {
        if (get("http://127.0.0.1:" + management + "/ready").statusCode() == 200) return;
      } catch (IOException e) {
        // not listening yet
      }
      TimeUnit.MILLISECONDS.sleep(500);
    }
    throw new IllegalStateException("the node did not become ready in 180 s");
  }

  private void run() throws Exception {
    token = login();
    ObjectNode summary = JSON.createObjectNode();
    summary.put("cores", Runtime.getRuntime().availableProcessors());

    phase("warm-up: 10,000 tasks, 32 clients");
    closedLoop(32, 10_000, Duration.ofMinutes(5));
    awaitDrained();

    phase("idle CPU, 10 s windows until it settles");
    summary.put("idle_cpu_pct", round(settledIdleCpu(), 1));

    phase("shuffle of the 10,000 open tasks");
    long start = System.nanoTime();
    HttpResponse<String> shuffled = post("/api/tasks/shuffle", "");
    double shuffleSeconds = (System.nanoTime() - start) / 1e9;
    System.out.printf(
        "  %d %s in %.1f s%n", shuffled.statusCode(), shuffled.body(), shuffleSeconds);
    summary.put("shuffle_10k_s", round(shuffleSeconds, 2));
    awaitDrained();

    phase("raw PostgreSQL: single-row INSERT commits, 16 connections, 10 s");
    double pg = pgInserts(16, Duration.ofSeconds(10));
    summary.put("pg_insert_per_s", Math.round(pg));

    phase("front door saturation: closed loop, 64 clients, 20 s");
    Result max = closedLoop(64, Integer.MAX_VALUE, Duration.ofSeconds(20));
    summary.put("create_max_per_s", Math.round(max.ratePerSecond()));
    awaitDrained();

    ObjectNode latency = summary.putObject("create_latency_ms");
    for (double rate : RATES) {
      phase(String.format(Locale.ROOT, "open model: %.0f creates/s for 15 s", rate));
      Result r = openLoop(rate, Duration.ofSeconds(15), null, null);
      ObjectNode at = latency.putObject(Long.toString(Math.round(rate)));
      at.put("p50", round(r.latency.getValueAtPercentile(50) / 1000.0, 1));
      at.put("p99", round(r.latency.getValueAtPercentile(99) / 1000.0, 1));
      at.put("achieved_per_s", Math.round(r.ratePerSecond()));
      at.put("errors", r.errors);
      if (rate == 1000) {
        summary.put("create_p50_ms_at_1000", at.get("p50").asDouble());
        summary.put("create_p99_ms_at_1000", at.get("p99").asDouble());
      }
      awaitDrained();
    }

    Sustained sustained = sustainedRate(max.ratePerSecond());
    summary.put("e2e_sustained_per_s", Math.round(sustained.rate));
    summary.put("e2e_lag_p99_ms", Math.round(sustained.lagP99Ms));
    // issue 11: whether analytics' single ingestion is the bottleneck. Per step, the lag to the
    // fee booked by accounting next to the lag to the fee applied by analytics: where the booked
    // lag alone breaks 1 s, the pipeline is limited before analytics.
    var steps = summary.putArray("e2e_stages");
    for (Stage st : stages) {
      ObjectNode n = steps.addObject();
      n.put("rate_per_s", Math.round(st.rate()));
      n.put("booked_by_accounting_p99_ms", Math.round(Math.min(st.bookedP99Ms(), 1e9)));
      n.put("applied_by_analytics_p99_ms", Math.round(Math.min(st.appliedP99Ms(), 1e9)));
      n.put("node_cpu_ms_per_task", st.cost().nodeCpuMsPerTask());
      n.put("pg_cpu_ms_per_task", st.cost().pgCpuMsPerTask());
      n.put("pg_commits_per_task", st.cost().commitsPerTask());
      n.put("machine_busy_pct", st.cost().machineBusyPct());
      n.put("node_and_pg_pct_of_machine", st.cost().nodeAndPgPct());
    }

    Files.writeString(
        OUT.resolve("summary.json"),
        JSON.writerWithDefaultPrettyPrinter().writeValueAsString(summary));
    Files.writeString(OUT.resolve("chart.html"), chart());
    printTable(summary);
  }

  // --- phases ---------------------------------------------------------------------------------

  record Result(Histogram latency, long ok, long errors, double seconds) {
    double ratePerSecond() {
      return ok / seconds;
    }
  }

  record Created(long at201Nanos, long fee) {}

  record Sustained(double rate, double lagP99Ms) {}

  /**
   * One step of the end-to-end search: the lag's p99 to the fee booked by accounting (its ledger,
   * then its read model) and to the fee applied by analytics (the singleton's ingestion, after
   * accounting's publisher and Kafka).
   */
  record Stage(double rate, double bookedP99Ms, double appliedP99Ms, Cost cost) {}

  /**
   * What a step cost, from its first create until the pipeline drained: CPU milliseconds per task
   * of the node JVM (every service, the embedded Kafka broker) and of PostgreSQL (the postmaster
   * and its backends), PostgreSQL commits per task (every database; the server's statistics lag by
   * up to a second), and how busy the machine's cores were over that time, all of it and the node
   * plus PostgreSQL.
   */
  record Cost(
      double nodeCpuMsPerTask,
      double pgCpuMsPerTask,
      double commitsPerTask,
      double machineBusyPct,
      double nodeAndPgPct) {}

  /** CPU ticks and commits at one moment, to subtract. */
  private record Usage(long nodeTicks, long pgTicks, long commits, long busyTicks, long allTicks) {}

  private Usage usage() throws Exception {
    long pgTicks = 0;
    Path pidFile = OUT.resolve("data").resolve("postgres").resolve("postmaster.pid");
    long postmaster = Long.parseLong(Files.readAllLines(pidFile).get(0).trim());
    try (var procs = Files.list(Path.of("/proc"))) {
      for (Path proc : procs.toList()) {
        String name = proc.getFileName().toString();
        if (!name.chars().allMatch(Character::isDigit)) continue;
        String[] f;
        try {
          f = statFields(Long.parseLong(name));
        } catch (IOException gone) {
          continue;
        }
        long pid = Long.parseLong(name);
        if (pid == postmaster) {
          // its own time and that of its children that have exited
          pgTicks += Long.parseLong(f[11]) + Long.parseLong(f[12]);
          pgTicks += Long.parseLong(f[13]) + Long.parseLong(f[14]);
        } else if (Long.parseLong(f[1]) == postmaster) {
          pgTicks += Long.parseLong(f[11]) + Long.parseLong(f[12]);
        }
      }
    }
    long commits;
    try (Connection c =
            DriverManager.getConnection(
                "jdbc:postgresql://127.0.0.1:" + dbPort + "/postgres", "postgres", "");
        Statement st = c.createStatement();
        var rs = st.executeQuery("SELECT sum(xact_commit)::bigint FROM pg_stat_database")) {
      rs.next();
      commits = rs.getLong(1);
    }
    String[] cpu = Files.readAllLines(Path.of("/proc/stat")).get(0).trim().split("\\s+");
    long all = 0;
    for (int i = 1; i <= 8 && i < cpu.length; i++) all += Long.parseLong(cpu[i]);
    long idle = Long.parseLong(cpu[4]) + Long.parseLong(cpu[5]);
    return new Usage(cpuTicks(), pgTicks, commits, all - idle, all);
  }

  private static Cost cost(Usage before, Usage after, long tasks) {
    double n = Math.max(1, tasks);
    double machineTicks = Math.max(1, after.allTicks() - before.allTicks());
    long nodeTicks = after.nodeTicks() - before.nodeTicks();
    long pgTicks = after.pgTicks() - before.pgTicks();
    return new Cost(
        round(nodeTicks * 10.0 / n, 2),
        round(pgTicks * 10.0 / n, 2),
        round((after.commits() - before.commits()) / n, 1),
        round(100.0 * (after.busyTicks() - before.busyTicks()) / machineTicks, 1),
        round(100.0 * (nodeTicks + pgTicks) / machineTicks, 1));
  }

  private static final int APPLIED_BY_ANALYTICS = 1;
  private static final int BOOKED_BY_ACCOUNTING = 2;
  private final List<Stage> stages = new ArrayList<>();

  /** {@code clients} each send a create as soon as the previous one answered. */
  private Result closedLoop(int clients, int total, Duration max) throws InterruptedException {
    Histogram latency = new Histogram(TimeUnit.SECONDS.toMicros(60), 3);
    AtomicLong sent = new AtomicLong();
    AtomicLong ok = new AtomicLong();
    AtomicLong errors = new AtomicLong();
    long start = System.nanoTime();
    long deadline = start + max.toNanos();
    CountDownLatch done = new CountDownLatch(clients);
    for (int c = 0; c < clients; c++) {
      start(
          () -> {
            while (System.nanoTime() < deadline && sent.incrementAndGet() <= total) {
              long t0 = System.nanoTime();
              boolean created = createSync();
              record(latency, t0);
              (created ? ok : errors).incrementAndGet();
            }
            done.countDown();
          });
    }
    done.await();
    double seconds = (System.nanoTime() - start) / 1e9;
    Result r = new Result(latency, ok.get(), errors.get(), seconds);
    System.out.printf(
        "  %d created (%d errors) in %.1f s: %.0f/s, p50 %.1f ms, p99 %.1f ms%n",
        r.ok,
        r.errors,
        seconds,
        r.ratePerSecond(),
        latency.getValueAtPercentile(50) / 1000.0,
        latency.getValueAtPercentile(99) / 1000.0);
    printErrors();
    return r;
  }

  /**
   * Creates at a fixed arrival rate; latency counts from each request's scheduled time, so a slow
   * server cannot hide its queueing (no coordinated omission). With {@code created}, every 201's
   * time and fee are kept for the end-to-end lag; {@code abort} cuts the run short.
   */
  private Result openLoop(
      double rate, Duration length, ConcurrentLinkedQueue<Created> created, AtomicBoolean abort)
      throws Exception {
    Histogram latency = new Histogram(TimeUnit.SECONDS.toMicros(60), 3);
    AtomicLong ok = new AtomicLong();
    AtomicLong errors = new AtomicLong();
    Semaphore inFlight = new Semaphore(MAX_IN_FLIGHT);
    long start = System.nanoTime();
    long total = Math.round(rate * length.toSeconds());
    long intervalNanos = Math.round(1e9 / rate);
    for (long i = 0; i < total; i++) {
      if (abort != null && abort.get()) break;
      long scheduled = start + i * intervalNanos;
      long wait = scheduled - System.nanoTime();
      if (wait > 0) TimeUnit.NANOSECONDS.sleep(wait);
      if (!inFlight.tryAcquire()) {
        // the server is this far behind: the request counts as failed, not as queued here
        errors.incrementAndGet();
        countError("over " + MAX_IN_FLIGHT + " in flight");
        record(latency, scheduled, LATENCY_CAP_MICROS);
        continue;
      }
      client
          .sendAsync(createRequest(i), HttpResponse.BodyHandlers.ofString())
          .whenComplete(
              (response, failure) -> {
                long now = System.nanoTime();
                record(latency, scheduled);
                if (failure == null && response.statusCode() == 201) {
                  ok.incrementAndGet();
                  if (created != null) created.add(new Created(now, feeOf(response.body())));
                } else {
                  errors.incrementAndGet();
                  countError(
                      failure == null
                          ? "HTTP " + response.statusCode()
                          : (failure.getCause() == null ? failure : failure.getCause())
                              .getClass()
                              .getSimpleName());
                }
                inFlight.release();
              });
    }
    inFlight.acquire(MAX_IN_FLIGHT);
    inFlight.release(MAX_IN_FLIGHT);
    double seconds = (System.nanoTime() - start) / 1e9;
    Result r = new Result(latency, ok.get(), errors.get(), seconds);
    System.out.printf(
        "  %d created (%d errors) in %.1f s: %.0f/s, p50 %.1f ms, p99 %.1f ms%n",
        r.ok,
        r.errors,
        seconds,
        r.ratePerSecond(),
        latency.getValueAtPercentile(50) / 1000.0,
        latency.getValueAtPercentile(99) / 1000.0);
    printErrors();
    return r;
  }

  /**
   * The highest rate, stepping down from the front door's maximum by a quarter each time, whose
   * creates for 60 s all get 201 and whose end-to-end lag keeps its p99 under 1 s. A step is cut
   * short once the fees waiting for analytics amount to more than 5 s of creates.
   */
  private Sustained sustainedRate(double frontDoorMax) throws Exception {
    double rate = Math.min(frontDoorMax, 4_000);
    while (rate >= 50) {
      phase(String.format(Locale.ROOT, "end-to-end at %.0f creates/s for 60 s", rate));
      long before = earnings();
      long bookedBefore = accountingEarnings();
      Usage usageBefore = usage();
      ConcurrentLinkedQueue<Created> created = new ConcurrentLinkedQueue<>();
      List<long[]> polls = new ArrayList<>();
      AtomicBoolean abort = new AtomicBoolean();
      AtomicBoolean polling = new AtomicBoolean(true);
      double stepRate = rate;
      Thread poller = start(() -> poll(before, created, polls, polling, abort, stepRate * 5));
      Result r = openLoop(rate, Duration.ofSeconds(60), created, abort);
      long sum = created.stream().mapToLong(Created::fee).sum();
      long drainDeadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
      while (!abort.get()
          && lastPolled(polls) - before < sum
          && System.nanoTime() < drainDeadline) {
        TimeUnit.MILLISECONDS.sleep(50);
      }
      polling.set(false);
      poller.join();
      Histogram lag = lags(created, polls, before, APPLIED_BY_ANALYTICS);
      Histogram booked = lags(created, polls, bookedBefore, BOOKED_BY_ACCOUNTING);
      double p99 = p99Ms(lag);
      boolean passed =
          !abort.get() && r.errors == 0 && r.ratePerSecond() >= 0.95 * rate && p99 < 1000;
      System.out.printf(
          "  lag p50 %.0f ms, p99 %.0f ms, max %.0f ms (booked by accounting: p99 %.0f ms)%s: %s%n",
          lag.getValueAtPercentile(50) / 1e3,
          p99,
          lag.getMaxValue() / 1e3,
          p99Ms(booked),
          abort.get() ? " (cut short: analytics fell behind)" : "",
          passed ? "sustained" : "not sustained");
      awaitDrained();
      Cost cost = cost(usageBefore, usage(), r.ok);
      stages.add(new Stage(rate, p99Ms(booked), p99, cost));
      System.out.printf(
          Locale.ROOT,
          "  per task: node %.2f ms CPU, PostgreSQL %.2f ms CPU, %.1f commits; machine busy %.0f %%"
              + " (node and PostgreSQL %.0f %%)%n",
          cost.nodeCpuMsPerTask(),
          cost.pgCpuMsPerTask(),
          cost.commitsPerTask(),
          cost.machineBusyPct(),
          cost.nodeAndPgPct());
      if (passed) return new Sustained(rate, p99);
      rate = Math.floor(rate * 0.75);
    }
    return new Sustained(0, 0);
  }

  private void poll(
      long before,
      ConcurrentLinkedQueue<Created> created,
      List<long[]> polls,
      AtomicBoolean polling,
      AtomicBoolean abort,
      double fiveSecondsOfTasks) {
    while (polling.get()) {
      try {
        long now = System.nanoTime();
        long e = earnings();
        long b = accountingEarnings();
        synchronized (polls) {
          polls.add(new long[] {now, e, b});
        }
        long waiting = created.size() - countApplied(created, e - before);
        if (waiting > fiveSecondsOfTasks) abort.set(true);
        TimeUnit.MILLISECONDS.sleep(50);
      } catch (Exception e) {
        // a slow poll is retried
      }
    }
  }

  private static long countApplied(ConcurrentLinkedQueue<Created> created, long applied) {
    long sum = 0;
    long n = 0;
    for (Created c : created) {
      sum += c.fee;
      if (sum > applied) break;
      n++;
    }
    return n;
  }

  private static long lastPolled(List<long[]> polls) {
    synchronized (polls) {
      return polls.isEmpty() ? Long.MIN_VALUE : polls.get(polls.size() - 1)[1];
    }
  }

  /**
   * Each task's lag: the first poll whose earnings ({@code column} of the polls: analytics' or
   * accounting's) reach the running sum of fees up to it.
   */
  private Histogram lags(
      ConcurrentLinkedQueue<Created> created, List<long[]> polls, long before, int column) {
    List<Created> ordered = new ArrayList<>(created);
    ordered.sort(Comparator.comparingLong(Created::at201Nanos));
    Histogram lag = new Histogram(TimeUnit.MINUTES.toMicros(10), 3);
    List<long[]> seen;
    synchronized (polls) {
      seen = new ArrayList<>(polls);
    }
    int p = 0;
    long sum = 0;
    for (Created c : ordered) {
      sum += c.fee;
      while (p < seen.size() && seen.get(p)[column] - before < sum) p++;
      if (p >= seen.size()) break;
      long applied = Math.max(seen.get(p)[0], c.at201Nanos);
      long micros = (applied - c.at201Nanos) / 1000;
      lag.recordValue(Math.min(micros, lag.getHighestTrackableValue()));
      if (column == APPLIED_BY_ANALYTICS)
        lagSeries.add(new double[] {(c.at201Nanos - benchStart) / 1e9, micros / 1000.0});
    }
    return lag;
  }

  /** Waits until analytics' earnings stop moving for two seconds (the pipeline is drained). */
  private void awaitDrained() throws Exception {
    long last = earnings();
    long stableSince = System.nanoTime();
    long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(5);
    while (System.nanoTime() - stableSince < TimeUnit.SECONDS.toNanos(2)) {
      if (System.nanoTime() > deadline)
        throw new IllegalStateException("the pipeline never drained");
      TimeUnit.MILLISECONDS.sleep(200);
      long now = earnings();
      if (now != last) {
        last = now;
        stableSince = System.nanoTime();
      }
    }
  }

  /**
   * The node's idle CPU once it has settled: after the warm-up the node still catches up (read
   * models, snapshots, the JIT compiling what the load made hot), so 10 s windows are taken until
   * one is no more than a tenth below the one before it (at most 18 windows), and the mean of those
   * two is the figure.
   */
  private double settledIdleCpu() throws Exception {
    double previous = idleCpu(Duration.ofSeconds(10));
    for (int i = 1; i < 18; i++) {
      double next = idleCpu(Duration.ofSeconds(10));
      if (next >= 0.9 * previous) return (previous + next) / 2;
      previous = next;
    }
    return previous;
  }

  /** The node's CPU time over {@code length}, as a percentage of one core. */
  private double idleCpu(Duration length) throws Exception {
    long before = cpuTicks();
    long start = System.nanoTime();
    TimeUnit.MILLISECONDS.sleep(length.toMillis());
    long ticks = cpuTicks() - before;
    double seconds = (System.nanoTime() - start) / 1e9;
    double pct = 100.0 * ticks / 100.0 / seconds;
    System.out.printf("  %.1f %% of one core%n", pct);
    return pct;
  }

  /** utime + stime of the node process, in clock ticks (100 per second on Linux). */
  private long cpuTicks() throws IOException {
    String[] fields = statFields(node.pid());
    return Long.parseLong(fields[11]) + Long.parseLong(fields[12]);
  }

  /** The fields of /proc/{pid}/stat after the command name: [1] ppid, [11] utime, [12] stime. */
  private static String[] statFields(long pid) throws IOException {
    String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
    return stat.substring(stat.lastIndexOf(')') + 2).split(" ");
  }

  private double pgInserts(int connections, Duration length) throws Exception {
    String url = "jdbc:postgresql://127.0.0.1:" + dbPort + "/postgres";
    try (Connection c = DriverManager.getConnection(url, "postgres", "");
        Statement s = c.createStatement()) {
      s.execute("DROP TABLE IF EXISTS bench_insert");
      s.execute("CREATE TABLE bench_insert (id BIGSERIAL PRIMARY KEY, v TEXT NOT NULL)");
    }
    AtomicLong inserted = new AtomicLong();
    long deadline = System.nanoTime() + length.toNanos();
    long start = System.nanoTime();
    List<Thread> threads = new ArrayList<>();
    for (int i = 0; i < connections; i++) {
      threads.add(
          start(
              () -> {
                try (Connection c = DriverManager.getConnection(url, "postgres", "");
                    PreparedStatement ps =
                        c.prepareStatement("INSERT INTO bench_insert (v) VALUES (?)")) {
                  c.setAutoCommit(true);
                  while (System.nanoTime() < deadline) {
                    ps.setString(1, "row");
                    ps.executeUpdate();
                    inserted.incrementAndGet();
                  }
                } catch (Exception e) {
                  throw new IllegalStateException(e);
                }
              }));
    }
    for (Thread t : threads) t.join();
    double rate = inserted.get() / ((System.nanoTime() - start) / 1e9);
    try (Connection c = DriverManager.getConnection(url, "postgres", "");
        Statement s = c.createStatement()) {
      s.execute("DROP TABLE bench_insert");
    }
    System.out.printf("  %.0f commits/s%n", rate);
    return rate;
  }

  // --- HTTP -----------------------------------------------------------------------------------

  private boolean createSync() {
    try {
      int status = client.send(createRequest(0), HttpResponse.BodyHandlers.ofString()).statusCode();
      if (status != 201) countError("HTTP " + status);
      return status == 201;
    } catch (IOException e) {
      countError(e.getClass().getSimpleName());
      return false;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }

  private HttpRequest createRequest(long n) {
    String body = "{\"title\":\"Bench task " + n + "\",\"description\":\"load\"}";
    return HttpRequest.newBuilder(URI.create(api + "/api/tasks"))
        .timeout(Duration.ofSeconds(10))
        .header("Authorization", "Bearer " + token)
        .header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString(body))
        .build();
  }

  private static double p99Ms(Histogram lag) {
    return lag.getTotalCount() == 0 ? Double.MAX_VALUE : lag.getValueAtPercentile(99) / 1e3;
  }

  /** Accounting's management earnings of today, from its own read model. */
  private long accountingEarnings() throws Exception {
    LocalDate today = LocalDate.now(ZoneOffset.UTC);
    HttpResponse<String> r =
        client.send(
            HttpRequest.newBuilder(
                    URI.create(api + "/api/accounting/earnings?from=" + today + "&to=" + today))
                .header("Authorization", "Bearer " + token)
                .build(),
            HttpResponse.BodyHandlers.ofString());
    if (r.statusCode() != 200) throw new IOException("earnings answered " + r.statusCode());
    JsonNode days = JSON.readTree(r.body());
    return days.isEmpty() ? 0 : days.get(0).get("managementEarnings").asLong();
  }

  private long earnings() throws Exception {
    LocalDate today = LocalDate.now(ZoneOffset.UTC);
    HttpResponse<String> r =
        client.send(
            HttpRequest.newBuilder(URI.create(api + "/api/analytics/dashboard?date=" + today))
                .header("Authorization", "Bearer " + token)
                .build(),
            HttpResponse.BodyHandlers.ofString());
    if (r.statusCode() != 200) throw new IOException("dashboard answered " + r.statusCode());
    return JSON.readTree(r.body()).get("managementEarnings").asLong();
  }

  private String login() throws Exception {
    HttpResponse<String> r =
        client.send(
            HttpRequest.newBuilder(URI.create(api + "/api/auth/login"))
                .header("Content-Type", "application/json")
                .POST(
                    HttpRequest.BodyPublishers.ofString(
                        "{\"login\":\"admin\",\"password\":\"admin\"}"))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    return JSON.readTree(r.body()).get("token").asText();
  }

  private HttpResponse<String> post(String path, String body) throws Exception {
    return client.send(
        HttpRequest.newBuilder(URI.create(api + path))
            .timeout(Duration.ofMinutes(10))
            .header("Authorization", "Bearer " + token)
            .header("Content-Type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString(body))
            .build(),
        HttpResponse.BodyHandlers.ofString());
  }

  private HttpResponse<String> get(String url) throws Exception {
    return client.send(
        HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(2)).build(),
        HttpResponse.BodyHandlers.ofString());
  }

  private static long feeOf(String body) {
    try {
      return JSON.readTree(body).get("assignFee").asLong();
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  private void record(Histogram latency, long startNanos) {
    record(latency, startNanos, (System.nanoTime() - startNanos) / 1000);
  }

  private void record(Histogram latency, long startNanos, long micros) {
    synchronized (latency) {
      latency.recordValue(Math.min(micros, latency.getHighestTrackableValue()));
    }
    synchronized (latencySeries) {
      latencySeries.add(new double[] {(startNanos - benchStart) / 1e9, micros / 1000.0});
    }
  }

  // --- output ---------------------------------------------------------------------------------

  /** Failed creates of the current phase, by kind (status code, exception, client limit). */
  private final Map<String, AtomicLong> errorKinds = new ConcurrentHashMap<>();

  private void countError(String kind) {
    errorKinds.computeIfAbsent(kind, k -> new AtomicLong()).incrementAndGet();
  }

  private void printErrors() {
    if (!errorKinds.isEmpty()) System.out.println("  errors by kind: " + new TreeMap<>(errorKinds));
    errorKinds.clear();
  }

  private static void phase(String name) {
    System.out.println(
        "== "
            + java.time.LocalTime.now()
                .format(java.time.format.DateTimeFormatter.ofPattern("HH:mm:ss"))
            + " "
            + name);
  }

  private static void printTable(JsonNode summary) {
    double pg = summary.get("pg_insert_per_s").asDouble();
    System.out.println();
    System.out.printf("%-24s %12s %16s%n", "figure", "value", "÷ pg_insert_per_s");
    for (String key :
        List.of(
            "pg_insert_per_s",
            "create_max_per_s",
            "create_p50_ms_at_1000",
            "create_p99_ms_at_1000",
            "e2e_sustained_per_s",
            "e2e_lag_p99_ms",
            "shuffle_10k_s",
            "idle_cpu_pct",
            "cores")) {
      double v = summary.get(key).asDouble();
      String ratio = key.endsWith("_per_s") ? String.format(Locale.ROOT, "%.3f", v / pg) : "";
      System.out.printf(Locale.ROOT, "%-24s %12.1f %16s%n", key, v, ratio);
    }
    System.out.println(
        "\nwritten: " + OUT.resolve("summary.json") + ", " + OUT.resolve("chart.html"));
  }

  /** Latency and lag over time, as points in an SVG chart per series (seconds since start). */
  private String chart() {
    StringBuilder html =
        new StringBuilder(
            "<!doctype html><meta charset=utf-8><title>aTES benchmark</title>"
                + "<body style='font-family:sans-serif'><h1>aTES benchmark</h1>");
    html.append(svg("Create latency (ms, by scheduled time)", latencySeries, "#1f77b4"));
    html.append(svg("End-to-end lag (ms, by time of the 201)", lagSeries, "#d62728"));
    return html.append("</body>").toString();
  }

  private static String svg(String title, List<double[]> points, String color) {
    int w = 1000;
    int h = 300;
    double maxX = points.stream().mapToDouble(p -> p[0]).max().orElse(1);
    double maxY = points.stream().mapToDouble(p -> p[1]).max().orElse(1);
    StringBuilder s = new StringBuilder("<h2>" + title + "</h2>");
    s.append(
        String.format(Locale.ROOT, "<svg width=%d height=%d style='border:1px solid #ccc'>", w, h));
    int step = Math.max(1, points.size() / 20_000);
    for (int i = 0; i < points.size(); i += step) {
      double[] p = points.get(i);
      s.append(
          String.format(
              Locale.ROOT,
              "<circle cx=%.1f cy=%.1f r=1 fill='%s'/>",
              p[0] / maxX * (w - 10) + 5,
              h - 5 - p[1] / maxY * (h - 10),
              color));
    }
    s.append("</svg>");
    s.append(String.format(Locale.ROOT, "<p>x: 0–%.0f s; y: 0–%.0f ms</p>", maxX, maxY));
    return s.toString();
  }

  private static double round(double v, int digits) {
    double f = Math.pow(10, digits);
    return Math.round(v * f) / f;
  }

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }

  private static void deleteRecursively(Path dir) throws IOException {
    if (!Files.exists(dir)) return;
    try (var paths = Files.walk(dir)) {
      for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) Files.delete(p);
    }
  }

  private static Thread start(Runnable work) {
    Thread t = new Thread(work);
    t.setDaemon(true);
    t.start();
    return t;
  }
}
