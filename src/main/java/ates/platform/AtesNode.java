package ates.platform;

import akka.Done;
import akka.actor.CoordinatedShutdown;
import akka.actor.typed.ActorSystem;
import akka.actor.typed.javadsl.Adapter;
import akka.actor.typed.javadsl.Behaviors;
import akka.http.javadsl.ServerBinding;
import akka.http.javadsl.server.Route;
import akka.management.cluster.bootstrap.ClusterBootstrap;
import akka.management.javadsl.AkkaManagement;
import ates.platform.cluster.Coordination;
import ates.platform.cluster.ServicesReadyCheck;
import ates.platform.db.ServiceDatabase;
import ates.platform.db.SlickPools;
import ates.platform.http.JwtService;
import ates.platform.http.UserRoles;
import ates.platform.kafka.ConsumerLagMonitor;
import ates.platform.kafka.KafkaPlatform;
import ates.platform.resilience.StartupRetry;
import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One aTES node: an Akka Cluster member running a subset of the services ({@code ATES_SERVICES},
 * which are also its cluster roles), with Akka Management and Cluster Bootstrap on 8558 and the
 * HTTP API on 8080. Starts the embedded PostgreSQL and Kafka when none is configured.
 */
public final class AtesNode {

  private static final Logger log = LoggerFactory.getLogger(AtesNode.class);
  private static final List<String> DATABASE_NAMES =
      List.of("identity", "tasks", "accounting", "analytics");

  private final ActorSystem<Void> system;
  private final ServerBinding binding;
  private final int managementPort;

  private AtesNode(ActorSystem<Void> system, ServerBinding binding, int managementPort) {
    this.system = system;
    this.binding = binding;
    this.managementPort = managementPort;
  }

  /**
   * Starts a node.
   *
   * @param overrides config that wins over {@code application.conf} (tests set ports and URLs)
   * @param available the services this build contains, by name, in start order
   */
  public static AtesNode start(Config overrides, Map<String, Supplier<Service>> available) {
    Config app = overrides.withFallback(ConfigFactory.parseResourcesAnySyntax("application"));
    Config initial = ConfigFactory.load(app);
    List<String> enabled = enabledServices(initial.getString("ates.services"), available);

    Infrastructure infra = Infrastructure.start(initial);
    List<ServiceDatabase> databases = new ArrayList<>();
    ActorSystem<Void> system = null;
    int managementPort;
    try {
      Config config = ConfigFactory.load(computed(initial, infra, enabled).withFallback(app));
      managementPort = config.getInt("akka.management.http.port");
      // a database or Kafka that is not up yet is waited for (StartupRetry), not fatal
      StartupRetry startupRetry = new StartupRetry(config.getConfig("ates.startup"));
      long startedAt = System.nanoTime();
      for (String service : enabled) {
        String db = config.getString("ates.db.database-prefix") + service;
        databases.add(
            startupRetry.until(
                "database " + db,
                () -> {
                  infra.ensureDatabase(db);
                  return ServiceDatabase.open(
                      service,
                      infra.jdbcUrl(db),
                      infra.dbUser(),
                      infra.dbPassword(),
                      config.getInt("ates.db.pool-size"));
                }));
      }
      long databasesAt = System.nanoTime();
      var weakTopics =
          startupRetry.until(
              "Kafka", () -> KafkaPlatform.ensureTopics(infra.kafkaBootstrap(), config));
      log.info(
          "Databases migrated in {} ms, Kafka topics checked in {} ms",
          (databasesAt - startedAt) / 1_000_000,
          (System.nanoTime() - databasesAt) / 1_000_000);

      system = ActorSystem.create(Behaviors.empty(), "ates", config);
      registerInfrastructureShutdown(system, databases, infra);
      AkkaManagement.get(system).start().toCompletableFuture().get(30, TimeUnit.SECONDS);
      ClusterBootstrap.get(Adapter.toClassic(system)).start();
      // leases find their databases; refuses databases another live cluster uses (issue 17)
      Coordination.start(system, databases);

      Metrics metrics = Metrics.of(system);
      metrics.kafkaTopicWeaknesses(weakTopics);
      KafkaPlatform kafka = new KafkaPlatform(system, infra.kafkaBootstrap());
      ConsumerLagMonitor.start(system, kafka, metrics);
      boolean embeddedDefault = infra.embeddedDatabase() && infra.embeddedKafka();
      UserRoles userRoles = UserRoles.start(system);
      JwtService jwt =
          new JwtService(
              JwtService.secret(
                  config.getString("ates.jwt.secret"), embeddedDefault, infra.dataDir()),
              config.getString("ates.jwt.issuer"),
              config.getDuration("ates.jwt.ttl"),
              Clock.systemUTC(),
              userRoles::accepts);
      Duration askTimeout = config.getDuration("ates.ask-timeout");

      // every thread of the journals' Slick pools, before projections replay (Slick 3.4.1 race)
      SlickPools.prestart(
          system, enabled, config.getInt("ates.db.pool-size"), Duration.ofSeconds(10));

      List<Route> routes = new ArrayList<>();
      List<CompletableFuture<Done>> startup = new ArrayList<>();
      for (int i = 0; i < enabled.size(); i++) {
        ServiceDatabase database = databases.get(i);
        database.useDispatcherOf(system);
        Service service = available.get(enabled.get(i)).get();
        routes.add(
            service.start(
                new ServiceContext(
                    system,
                    database,
                    kafka,
                    jwt,
                    userRoles,
                    metrics,
                    askTimeout,
                    embeddedDefault)));
        startup.add(service.ready().toCompletableFuture());
      }
      NodeMonitor.start(system, metrics, databases);
      ServerBinding binding =
          HttpServer.bind(system, metrics, routes).toCompletableFuture().get(30, TimeUnit.SECONDS);
      CompletableFuture.allOf(startup.toArray(new CompletableFuture[0])).get(120, TimeUnit.SECONDS);
      ServicesReadyCheck.Readiness.ID.get(Adapter.toClassic(system)).set(true);
      log.info(
          "aTES node up: services {}, HTTP on {}, management on {}:{}",
          enabled,
          binding.localAddress(),
          config.getString("akka.management.http.hostname"),
          config.getInt("akka.management.http.port"));
      return new AtesNode(system, binding, managementPort);
    } catch (Exception e) {
      log.error("aTES node failed to start: {}", e.toString());
      if (system != null) {
        system.terminate();
        try {
          system.getWhenTerminated().toCompletableFuture().get(60, TimeUnit.SECONDS);
        } catch (Exception ignored) {
          // already failing
        }
      } else {
        databases.forEach(ServiceDatabase::close);
        infra.close();
      }
      throw new IllegalStateException("aTES node failed to start", e);
    }
  }

  static List<String> enabledServices(String setting, Map<String, Supplier<Service>> available) {
    if (setting.isBlank() || setting.trim().equals("all")) return List.copyOf(available.keySet());
    List<String> names =
        Arrays.stream(setting.split(",")).map(String::trim).filter(s -> !s.isEmpty()).toList();
    for (String name : names) {
      if (!available.containsKey(name))
        throw new IllegalArgumentException(
            "ATES_SERVICES names unknown service '" + name + "'; known: " + available.keySet());
    }
    // start in the build's order, whatever the order in the setting
    return available.keySet().stream().filter(names::contains).toList();
  }

  /** Config the node computes at start-up: database URLs, roles, its own contact point. */
  private static Config computed(Config initial, Infrastructure infra, List<String> enabled) {
    Map<String, Object> values = new HashMap<>();
    String prefix = initial.getString("ates.db.database-prefix");
    for (String name : DATABASE_NAMES) {
      values.put("ates.db.resolved." + name, infra.jdbcUrl(prefix + name));
    }
    values.put("ates.db.user", infra.dbUser());
    values.put("ates.db.password", infra.dbPassword());
    values.put("akka.cluster.roles", enabled);
    // Unless configured, a laptop's embedded default listens on loopback only.
    String defaultInterface =
        infra.embeddedDatabase() && infra.embeddedKafka() ? "127.0.0.1" : "0.0.0.0";
    if (initial.getString("ates.http.interface").isBlank()) {
      values.put("ates.http.interface", defaultInterface);
    }
    if (initial.getString("akka.management.http.bind-hostname").isBlank()) {
      values.put("akka.management.http.bind-hostname", defaultInterface);
    }
    String serviceName =
        initial.getString("akka.management.cluster.bootstrap.contact-point-discovery.service-name");
    String endpoints = "akka.discovery.config.services." + serviceName + ".endpoints";
    String contactPoints = initial.getString("ates.contact-points");
    if (contactPoints.isBlank() && infra.embeddedDatabase() && infra.embeddedKafka()) {
      // a one-node cluster that lists only itself has no formation race to wait out
      String bootstrap = "akka.management.cluster.bootstrap.contact-point-discovery.";
      values.put(
          bootstrap + "stable-margin", initial.getString("ates.bootstrap.embedded.stable-margin"));
      values.put(bootstrap + "interval", initial.getString("ates.bootstrap.embedded.interval"));
    }
    if (!contactPoints.isBlank()) {
      values.put(endpoints, contactPoints(contactPoints));
    } else if (!initial.hasPath(endpoints) || initial.getList(endpoints).isEmpty()) {
      values.put(
          endpoints,
          List.of(
              endpoint(
                  initial.getString("akka.management.http.hostname"),
                  initial.getInt("akka.management.http.port"))));
    }
    return ConfigFactory.parseMap(values);
  }

  /** {@code ATES_CONTACT_POINTS}: {@code host:managementPort,...}, the config discovery list. */
  static List<Map<String, Object>> contactPoints(String setting) {
    List<Map<String, Object>> points = new ArrayList<>();
    for (String point : setting.split(",")) {
      String p = point.trim();
      int colon = p.lastIndexOf(':');
      if (colon <= 0 || colon == p.length() - 1) {
        throw new IllegalArgumentException(
            "ATES_CONTACT_POINTS must be host:port[,host:port...]; got '" + p + "'");
      }
      try {
        points.add(endpoint(p.substring(0, colon), Integer.parseInt(p.substring(colon + 1))));
      } catch (NumberFormatException e) {
        throw new IllegalArgumentException("ATES_CONTACT_POINTS: bad port in '" + p + "'", e);
      }
    }
    return points;
  }

  private static Map<String, Object> endpoint(String host, int port) {
    Map<String, Object> endpoint = new LinkedHashMap<>();
    endpoint.put("host", host);
    endpoint.put("port", port);
    return endpoint;
  }

  private static void registerInfrastructureShutdown(
      ActorSystem<?> system, List<ServiceDatabase> databases, Infrastructure infra) {
    // on SIGTERM the JVM's shutdown hooks run at once: the embedded PostgreSQL waits for the
    // CoordinatedShutdown below, which closes it last
    infra.stopEmbeddedServersAfter(system.getWhenTerminated());
    CoordinatedShutdown.get(system)
        .addTask(
            "ates-close-infrastructure",
            "close-databases-and-embedded-servers",
            () ->
                CompletableFuture.supplyAsync(
                    () -> {
                      databases.forEach(ServiceDatabase::close);
                      infra.close();
                      return Done.getInstance();
                    }));
  }

  public ActorSystem<Void> system() {
    return system;
  }

  public int httpPort() {
    return binding.localAddress().getPort();
  }

  /** The Akka Management port: health, cluster HTTP and {@code /metrics}. */
  public int managementPort() {
    return managementPort;
  }

  /** Leaves the cluster and stops everything, as on SIGTERM. */
  public void stop() {
    CoordinatedShutdown.get(system).runAll(CoordinatedShutdown.unknownReason());
    system.getWhenTerminated().toCompletableFuture().join();
  }
}
