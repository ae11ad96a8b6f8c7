package ates.identity;

import akka.actor.typed.ActorSystem;
import akka.actor.typed.DispatcherSelector;
import akka.cluster.sharding.typed.javadsl.ClusterSharding;
import akka.cluster.sharding.typed.javadsl.EntityRef;
import akka.http.javadsl.model.AttributeKeys;
import akka.http.javadsl.model.HttpResponse;
import akka.http.javadsl.model.RemoteAddress;
import akka.http.javadsl.model.headers.RawHeader;
import akka.http.javadsl.server.PathMatchers;
import akka.http.javadsl.server.Route;
import ates.contract.Role;
import ates.platform.EntityError;
import ates.platform.http.ApiDirectives;
import ates.platform.http.HttpErrors;
import ates.platform.http.JwtService;
import ates.platform.http.Principal;
import ates.platform.http.Problem;
import ates.platform.http.ProblemException;
import ates.platform.http.UserRoles;
import ates.platform.http.Validation;
import ates.platform.resilience.Breaker;
import ates.platform.resilience.Breakers;
import java.net.InetAddress;
import java.time.Duration;
import java.time.Instant;
import java.util.Locale;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import java.util.function.Function;
import java.util.regex.Pattern;

/** The identity API of http-api.md: login, me, users. */
final class UserRoutes extends ApiDirectives {

  static final Pattern LOGIN = Pattern.compile("[a-z0-9][a-z0-9._-]{2,63}");
  static final Pattern EMAIL = Pattern.compile("[^@\\s]+@[^@\\s]+\\.[^@\\s]+");

  record LoginRequest(String login, String password) {}

  record LoginResponse(String token, Instant expiresAt, UserJson user) {}

  record CreateUserRequest(
      String login, String password, String fullName, String email, String role) {}

  record RoleRequest(String role) {}

  /** A user as the API shows it. */
  record UserJson(UUID userId, String login, String fullName, String email, Role role) {
    static UserJson of(User.Profile p) {
      return new UserJson(p.userId(), p.login(), p.fullName(), p.email(), p.role());
    }
  }

  private final ClusterSharding sharding;
  private final UserReadModel readModel;
  private final PasswordHasher hasher;
  private final Executor blocking;
  private final Duration askTimeout;
  private final UserRoles userRoles;
  private final LoginThrottle throttle;
  private final boolean trustForwardedFor;
  private final UserIdempotencyKeys keys;
  private final Breaker database;

  UserRoutes(
      ActorSystem<?> system,
      JwtService jwt,
      UserRoles userRoles,
      UserReadModel readModel,
      PasswordHasher hasher,
      LoginThrottle throttle,
      UserIdempotencyKeys keys,
      Duration askTimeout) {
    super(jwt);
    this.keys = keys;
    this.userRoles = userRoles;
    this.throttle = throttle;
    this.trustForwardedFor =
        system.settings().config().getBoolean("ates.identity.login-limit.trust-forwarded-for");
    this.sharding = ClusterSharding.get(system);
    this.readModel = readModel;
    this.hasher = hasher;
    this.blocking =
        system
            .dispatchers()
            .lookup(DispatcherSelector.fromConfig("ates.password-hashing-dispatcher"));
    this.askTimeout = askTimeout;
    this.database = Breakers.get(system).database("identity");
  }

  Route route() {
    return pathPrefix(
        "api",
        () ->
            concat(
                path(PathMatchers.segment("auth").slash("login"), () -> post(this::login)),
                pathPrefix("users", () -> authenticated(this::users))));
  }

  /** {@code /api/users}, {@code /api/users/me} and {@code /api/users/{userId}/role}. */
  private Route users(Principal principal) {
    return concat(
        pathEndOrSingleSlash(
            () ->
                concat(
                    get(() -> listUsers(principal)),
                    post(
                        () ->
                            optionalHeaderValueByName(
                                "Idempotency-Key",
                                key ->
                                    jsonBody(
                                        CreateUserRequest.class,
                                        req -> createUser(principal, req, key)))))),
        path("me", () -> get(() -> me(principal))),
        path(
            PathMatchers.uuidSegment().slash("role"),
            userId ->
                put(() -> jsonBody(RoleRequest.class, req -> changeRole(principal, userId, req)))));
  }

  private Route login() {
    return clientAddress(address -> jsonBody(LoginRequest.class, req -> login(req, address)));
  }

  private EntityRef<User.Command> user(UUID userId) {
    return sharding.entityRefFor(User.ENTITY_KEY, userId.toString());
  }

  /** The client's address for the login rate limit: the TCP peer, or X-Forwarded-For if trusted. */
  private Route clientAddress(Function<String, Route> inner) {
    if (trustForwardedFor) {
      return extractClientIP(
          ip -> inner.apply(ip.getAddress().map(InetAddress::getHostAddress).orElse("unknown")));
    }
    return extractRequest(
        request ->
            inner.apply(
                request
                    .getAttribute(AttributeKeys.remoteAddress)
                    .flatMap(RemoteAddress::getAddress)
                    .map(InetAddress::getHostAddress)
                    .orElse("unknown")));
  }

  /**
   * Login: the attempt is counted first, and refused with 429 while the login or the client address
   * has too many recent failures (before any hashing); otherwise the password is verified off the
   * actor threads, and a success gives its attempt back.
   */
  private Route login(LoginRequest req, String address) {
    if (req == null) throw ProblemException.badRequest("the body must be a JSON object");
    String login = Validation.required("login", req.login()).trim().toLowerCase(Locale.ROOT);
    String password = Validation.required("password", req.password());
    UUID userId = User.idForLogin(login);
    return onSuccess(
        throttle.reserve(userId, address),
        wait ->
            wait.isPresent()
                ? complete(tooManyAttempts(wait.get()))
                : onSuccess(
                    verify(userId, password)
                        .thenCompose(
                            profile ->
                                profile.isPresent()
                                    ? throttle.succeeded(userId, address).thenApply(v -> profile)
                                    : CompletableFuture.completedFuture(profile)),
                    profile -> {
                      if (profile.isEmpty()) {
                        throw ProblemException.unauthorized("wrong login or password");
                      }
                      User.Profile p = profile.get();
                      JwtService.Token token = jwt.issue(p.userId(), p.login(), p.role());
                      return ok(
                          new LoginResponse(token.token(), token.expiresAt(), UserJson.of(p)));
                    }));
  }

  private static HttpResponse tooManyAttempts(Duration wait) {
    long seconds = Math.max(1, (wait.toMillis() + 999) / 1000);
    return HttpErrors.response(
        Problem.of(
            429,
            "Too Many Requests",
            "too many failed logins for this login or address; try again in " + seconds + " s"),
        RawHeader.create("Retry-After", Long.toString(seconds)));
  }

  /**
   * The user whose password this is; empty for a wrong password or an unknown login, which take the
   * same hashing time. A timeout of the entity fails the stage (503), never a 401.
   */
  private CompletionStage<Optional<User.Profile>> verify(UUID userId, String password) {
    CompletionStage<User.Credentials> credentials =
        database
            .call(
                () ->
                    user(userId)
                        .<User.Credentials>askWithStatus(User.GetCredentials::new, askTimeout))
            .handle(
                (c, failure) -> {
                  if (failure == null) return c;
                  // an unknown login answers like a wrong password
                  if (EntityError.of(failure).orElse(null) instanceof EntityError.NotFound) {
                    return null;
                  }
                  throw failure instanceof CompletionException e
                      ? e
                      : new CompletionException(failure);
                });
    return credentials.thenApplyAsync(
        c -> {
          if (c == null) {
            hasher.verifyNothing(password);
            return Optional.empty();
          }
          return hasher.verify(password, c.passwordHash())
              ? Optional.of(c.profile())
              : Optional.empty();
        },
        blocking);
  }

  private Route me(Principal principal) {
    return onSuccess(
        database.call(
            () ->
                user(principal.userId())
                    .<User.Profile>askWithStatus(User.GetProfile::new, askTimeout)),
        profile -> ok(UserJson.of(profile)));
  }

  private Route listUsers(Principal principal) {
    return requireRole(
        principal,
        () -> onSuccess(readModel.all(), users -> ok(users.stream().map(UserJson::of).toList())),
        Role.ADMIN,
        Role.MANAGER);
  }

  /**
   * Registers a user. With an Idempotency-Key, the key is claimed for this body first (in the
   * identity database: the same key with another body is 422, whatever login it names), then the
   * user entity registers with the key, so a retry reaches the same entity and answers the first
   * user (201), or 409 if the first answer was 409.
   */
  private Route createUser(Principal principal, CreateUserRequest req, Optional<String> key) {
    return requireRole(
        principal,
        () -> {
          if (req == null) throw ProblemException.badRequest("the body must be a JSON object");
          String login =
              Validation.matches(
                  "login",
                  req.login(),
                  LOGIN,
                  "must be 3 to 64 of a-z, 0-9, '.', '_' or '-', starting with a letter or digit");
          String password = Validation.length("password", req.password(), 8, 200);
          String fullName = Validation.length("fullName", req.fullName(), 1, 200).trim();
          String email =
              Validation.matches("email", req.email(), EMAIL, "must be an email address");
          Validation.length("email", email, 3, 254);
          Role role = parseRole(req.role());
          User.RequestKey requestKey =
              key.map(k -> new User.RequestKey(principal.userId(), Validation.idempotencyKey(k)))
                  .orElse(null);
          // through the breaker before hashing: while the database is down, no CPU is spent
          CompletionStage<User.Profile> created =
              database.call(
                  () ->
                      claim(
                              requestKey,
                              new UserIdempotencyKeys.Request(login, fullName, email, role))
                          .thenApplyAsync(claimed -> hasher.hash(password), blocking)
                          .thenCompose(
                              hash ->
                                  user(User.idForLogin(login))
                                      .<User.Profile>askWithStatus(
                                          replyTo ->
                                              new User.Register(
                                                  login,
                                                  hash,
                                                  fullName,
                                                  email,
                                                  role,
                                                  requestKey,
                                                  replyTo),
                                          askTimeout)));
          return onSuccess(created, profile -> created(UserJson.of(profile)));
        },
        Role.ADMIN);
  }

  /** Claims the key for this request (nothing without a key); fails with 422 for another body. */
  private CompletionStage<Void> claim(
      User.RequestKey requestKey, UserIdempotencyKeys.Request request) {
    if (requestKey == null) return CompletableFuture.completedFuture(null);
    return keys.claim(requestKey, request)
        .thenApply(
            same -> {
              if (!same) {
                throw new EntityError.Failure(
                    new EntityError.KeyReused("this Idempotency-Key was used for another request"));
              }
              return null;
            });
  }

  private Route changeRole(Principal principal, UUID userId, RoleRequest req) {
    return requireRole(
        principal,
        () -> {
          if (req == null) throw ProblemException.badRequest("the body must be a JSON object");
          Role role = parseRole(req.role());
          CompletionStage<User.Profile> changed =
              database
                  .call(
                      () ->
                          user(userId)
                              .<User.Profile>askWithStatus(
                                  replyTo -> new User.ChangeRole(role, replyTo), askTimeout))
                  .thenCompose(
                      profile ->
                          userRoles
                              .changed(profile.userId(), profile.role(), profile.roleSince())
                              .thenApply(done -> profile));
          return onSuccess(changed, profile -> ok(UserJson.of(profile)));
        },
        Role.ADMIN);
  }

  private static Role parseRole(String value) {
    Validation.required("role", value);
    return Role.parse(value)
        .orElseThrow(
            () ->
                ProblemException.invalidField(
                    "role", "must be one of worker, manager, accountant, admin"));
  }
}
