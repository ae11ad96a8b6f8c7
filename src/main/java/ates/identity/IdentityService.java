package ates.identity;

import akka.Done;
import akka.actor.typed.ActorSystem;
import akka.actor.typed.DispatcherSelector;
import akka.actor.typed.javadsl.Adapter;
import akka.cluster.sharding.typed.javadsl.ClusterSharding;
import akka.cluster.sharding.typed.javadsl.Entity;
import akka.http.javadsl.server.Route;
import akka.pattern.Patterns;
import ates.contract.Role;
import ates.platform.EntityError;
import ates.platform.Service;
import ates.platform.ServiceContext;
import ates.platform.cluster.Leases;
import ates.platform.db.RebuildableReadModel;
import ates.platform.http.UserRoles;
import ates.platform.kafka.EventPublisher;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The identity service: sharded users, login and tokens, the {@code users} read model, the {@code
 * Users} topic, and the bootstrap admin and demo users.
 */
public final class IdentityService implements Service {

  public static final String NAME = "identity";
  private static final Logger log = LoggerFactory.getLogger(IdentityService.class);

  private final CompletableFuture<Done> ready = new CompletableFuture<>();

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public List<RebuildableReadModel> readModels() {
    return List.of(UserReadModel.READ_MODEL);
  }

  @Override
  public Route start(ServiceContext ctx) {
    ActorSystem<?> system = ctx.system();
    ClusterSharding.get(system)
        .init(
            Entity.of(
                    User.ENTITY_KEY,
                    entity -> User.create(entity.getEntityId(), ctx.journal(), Clock.systemUTC()))
                .withRole(NAME)
                .withSettings(Leases.sharding(system, NAME)));

    UserReadModel readModel = new UserReadModel(ctx.database());
    readModel.startProjection(system, ctx.readJournalPluginId(), ctx.userRoles());
    EventPublisher.<User.Event>start(
        system,
        NAME,
        ctx.readJournalPluginId(),
        User.TAGS,
        ctx.database(),
        ctx.kafka(),
        ctx.metrics(),
        UserEvents::toContract);

    PasswordHasher hasher = new PasswordHasher(ctx.config().getInt("ates.passwords.iterations"));
    new Bootstrap(ctx, hasher)
        .run()
        .thenCompose(done -> seedRoles(ctx, readModel))
        .whenComplete(
            (d, e) -> {
              if (e == null) ready.complete(Done.getInstance());
              else ready.completeExceptionally(e);
            });
    LoginThrottle throttle =
        new LoginThrottle(
            ctx.database(), Clock.systemUTC(), ctx.config().getConfig("ates.identity.login-limit"));
    UserIdempotencyKeys keys = new UserIdempotencyKeys(ctx.database(), Clock.systemUTC());
    return new UserRoutes(
            system, ctx.jwt(), ctx.userRoles(), readModel, hasher, throttle, keys, ctx.askTimeout())
        .route();
  }

  /**
   * Writes every known user's role stamp into the cluster's replica, so that tokens older than a
   * role change stay refused after a restart of the whole cluster.
   */
  private static CompletionStage<Done> seedRoles(ServiceContext ctx, UserReadModel readModel) {
    return readModel
        .all()
        .thenCompose(
            users ->
                ctx.userRoles()
                    .seed(
                        users.stream()
                            .map(
                                u ->
                                    Map.entry(
                                        u.userId(),
                                        new UserRoles.Stamp(
                                            u.role().wireName(), u.roleSince().toEpochMilli())))
                            .toList()));
  }

  @Override
  public CompletionStage<Done> ready() {
    return ready;
  }

  /** Creates the bootstrap admin and, for demos, a manager, an accountant and five workers. */
  static final class Bootstrap {
    private final ServiceContext ctx;
    private final PasswordHasher hasher;
    private final Executor blocking;

    Bootstrap(ServiceContext ctx, PasswordHasher hasher) {
      this.ctx = ctx;
      this.hasher = hasher;
      this.blocking =
          ctx.system()
              .dispatchers()
              .lookup(DispatcherSelector.fromConfig("ates.password-hashing-dispatcher"));
    }

    CompletionStage<Done> run() {
      String adminPassword = ctx.config().getString("ates.admin-password");
      if (adminPassword.isBlank()) {
        if (!ctx.embeddedDefault()) {
          return CompletableFuture.failedFuture(
              new IllegalStateException(
                  "ATES_ADMIN_PASSWORD is required when the node does not run on the embedded default"));
        }
        adminPassword = "admin";
      }
      String demo = ctx.config().getString("ates.demo");
      boolean demoUsers = demo.isBlank() ? ctx.embeddedDefault() : Boolean.parseBoolean(demo);

      CompletionStage<Boolean> admin =
          createIfMissing("admin", adminPassword, "Administrator", Role.ADMIN);
      CompletionStage<Done> afterAdmin =
          admin.thenApply(
              created -> {
                if (created) log.info("Created the bootstrap admin 'admin'");
                return Done.getInstance();
              });
      if (!demoUsers) return afterAdmin;
      return afterAdmin.thenCompose(d -> createDemoUsers());
    }

    private CompletionStage<Done> createDemoUsers() {
      record Demo(String login, String fullName, Role role, String password) {}
      List<Demo> demo = new ArrayList<>();
      demo.add(new Demo("manager", "Demo Manager", Role.MANAGER, randomPassword()));
      demo.add(new Demo("accountant", "Demo Accountant", Role.ACCOUNTANT, randomPassword()));
      for (int i = 1; i <= 5; i++) {
        demo.add(new Demo("worker" + i, "Demo Worker " + i, Role.WORKER, randomPassword()));
      }
      CompletionStage<List<Demo>> created = CompletableFuture.completedFuture(new ArrayList<>());
      for (Demo d : demo) {
        created =
            created.thenCompose(
                list ->
                    createIfMissing(d.login(), d.password(), d.fullName(), d.role())
                        .thenApply(
                            isNew -> {
                              if (isNew) list.add(d);
                              return list;
                            }));
      }
      return created.thenApply(
          list -> {
            if (!list.isEmpty()) {
              // Printed once, when created, for the person starting the demo; never logged.
              StringBuilder sb = new StringBuilder("\n=== aTES demo users (shown once) ===\n");
              for (Demo d : list)
                sb.append(
                    String.format(
                        "  %-11s %-10s password: %s%n",
                        d.role().wireName(), d.login(), d.password()));
              sb.append("====================================\n");
              System.out.print(sb);
              System.out.flush();
            }
            return Done.getInstance();
          });
    }

    /**
     * Registers the user unless the login exists; true when it was created now. Retries while the
     * cluster forms.
     */
    private CompletionStage<Boolean> createIfMissing(
        String login, String password, String fullName, Role role) {
      ActorSystem<?> system = ctx.system();
      ClusterSharding sharding = ClusterSharding.get(system);
      CompletionStage<String> hash =
          CompletableFuture.supplyAsync(() -> hasher.hash(password), blocking);
      return hash.thenCompose(
          h ->
              Patterns.retry(
                  () ->
                      sharding
                          .entityRefFor(User.ENTITY_KEY, User.idForLogin(login).toString())
                          .<User.Profile>askWithStatus(
                              replyTo ->
                                  new User.Register(
                                      login, h, fullName, login + "@ates.local", role, replyTo),
                              ctx.askTimeout())
                          .handle(
                              (profile, failure) -> {
                                if (failure == null) return true;
                                if (EntityError.of(failure).orElse(null)
                                    instanceof EntityError.Conflict) return false;
                                throw failure instanceof CompletionException c
                                    ? c
                                    : new CompletionException(failure);
                              }),
                  30,
                  Duration.ofSeconds(2),
                  Adapter.toClassic(system).scheduler(),
                  system.executionContext()));
    }

    private static String randomPassword() {
      final String alphabet = "abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
      SecureRandom random = new SecureRandom();
      StringBuilder sb = new StringBuilder();
      for (int i = 0; i < 14; i++) sb.append(alphabet.charAt(random.nextInt(alphabet.length())));
      return sb.toString();
    }
  }
}
