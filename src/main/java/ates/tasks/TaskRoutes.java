package ates.tasks;

import akka.NotUsed;
import akka.actor.typed.ActorSystem;
import akka.cluster.sharding.typed.javadsl.ClusterSharding;
import akka.cluster.sharding.typed.javadsl.EntityRef;
import akka.http.javadsl.server.PathMatchers;
import akka.http.javadsl.server.Route;
import akka.japi.Pair;
import akka.stream.javadsl.Sink;
import akka.stream.javadsl.Source;
import ates.contract.Role;
import ates.contract.TaskPrice;
import ates.platform.http.ApiDirectives;
import ates.platform.http.JwtService;
import ates.platform.http.Principal;
import ates.platform.http.ProblemException;
import ates.platform.http.Validation;
import ates.platform.resilience.Breaker;
import ates.platform.resilience.Breakers;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ThreadLocalRandom;
import java.util.regex.Pattern;

/** The tasks API of http-api.md: create, list, get, complete, shuffle. */
final class TaskRoutes extends ApiDirectives {

  static final Pattern JIRA_ID = Pattern.compile("[A-Z][A-Z0-9_]{0,30}-[0-9]{1,9}");
  private static final UUID FIRST_ID = new UUID(0, 0);
  private static final int SHUFFLE_PAGE = 500;

  record CreateTaskRequest(String title, String jiraId, String description) {}

  record ShuffleResponse(long reassigned) {}

  /** A task as the API shows it. */
  record TaskJson(
      UUID taskId,
      String title,
      String jiraId,
      String description,
      String status,
      UUID assigneeId,
      long assignFee,
      long completionReward,
      UUID createdBy,
      Instant createdAt,
      Instant completedAt) {
    static TaskJson of(Task.Details t) {
      return new TaskJson(
          t.taskId(),
          t.title(),
          t.jiraId(),
          t.description(),
          t.status().name().toLowerCase(Locale.ROOT),
          t.assigneeId(),
          t.assignFee(),
          t.completionReward(),
          t.createdBy(),
          t.createdAt(),
          t.completedAt());
    }
  }

  private final ActorSystem<?> system;
  private final ClusterSharding sharding;
  private final TaskReadModel readModel;
  private final WorkerDirectory workers;
  private final Duration askTimeout;
  private final Breaker database;
  private final int shuffleParallelism;
  private final Duration shuffleTimeout;

  TaskRoutes(
      ActorSystem<?> system,
      JwtService jwt,
      TaskReadModel readModel,
      WorkerDirectory workers,
      Duration askTimeout) {
    super(jwt);
    this.system = system;
    this.sharding = ClusterSharding.get(system);
    this.readModel = readModel;
    this.workers = workers;
    this.askTimeout = askTimeout;
    this.database = Breakers.get(system).database("tasks");
    this.shuffleParallelism = system.settings().config().getInt("ates.tasks.shuffle-parallelism");
    this.shuffleTimeout = system.settings().config().getDuration("ates.tasks.shuffle-timeout");
  }

  Route route() {
    return pathPrefix("api", () -> pathPrefix("tasks", () -> authenticated(this::tasks)));
  }

  /** {@code /api/tasks}, {@code /api/tasks/shuffle} and {@code /api/tasks/{taskId}[/complete]}. */
  private Route tasks(Principal principal) {
    return concat(
        pathEndOrSingleSlash(
            () ->
                concat(
                    get(() -> list(principal)),
                    post(
                        () ->
                            optionalHeaderValueByName(
                                "Idempotency-Key",
                                key ->
                                    jsonBody(
                                        CreateTaskRequest.class,
                                        req -> create(principal, req, key)))))),
        path("shuffle", () -> post(() -> shuffle(principal))),
        pathPrefix(PathMatchers.uuidSegment(), taskId -> task(principal, taskId)));
  }

  private Route task(Principal principal, UUID taskId) {
    return concat(
        pathEnd(() -> get(() -> read(principal, taskId))),
        path("complete", () -> post(() -> completeTask(principal, taskId))));
  }

  private EntityRef<Task.Command> task(UUID taskId) {
    return sharding.entityRefFor(Task.ENTITY_KEY, taskId.toString());
  }

  /**
   * Creates a task. With an Idempotency-Key, the task id is derived from the caller and the key, so
   * a retry (to any node, at any later time) reaches the same entity, which answers the task it
   * created the first time, or 422 for a different body.
   */
  private Route create(Principal principal, CreateTaskRequest req, Optional<String> key) {
    if (req == null) throw ProblemException.badRequest("the body must be a JSON object");
    String title = Validation.length("title", req.title(), 1, 200).strip();
    if (title.isEmpty()) throw ProblemException.invalidField("title", "must not be blank");
    if (title.contains("[") || title.contains("]")) {
      throw ProblemException.invalidField(
          "title", "must not contain '[' or ']': put the Jira id (e.g. UBERPOP-42) in 'jiraId'");
    }
    String jiraId = req.jiraId() == null || req.jiraId().isBlank() ? null : req.jiraId().strip();
    if (jiraId != null && !JIRA_ID.matcher(jiraId).matches()) {
      throw ProblemException.invalidField("jiraId", "must be a Jira key such as UBERPOP-42");
    }
    String description = Validation.required("description", req.description());
    Validation.length("description", description, 0, 4000);
    UUID assignee =
        workers
            .pick()
            .orElseThrow(
                () -> ProblemException.conflict("there is no worker to assign the task to"));
    TaskPrice price = TaskPrice.random(ThreadLocalRandom.current());
    UUID taskId =
        key.map(k -> Validation.idempotencyKey(k))
            .map(
                k ->
                    UUID.nameUUIDFromBytes(
                        ("ates-task:" + principal.userId() + ":" + k)
                            .getBytes(StandardCharsets.UTF_8)))
            .orElseGet(UUID::randomUUID);
    CompletionStage<Task.Details> created =
        database.call(
            () ->
                task(taskId)
                    .<Task.Details>askWithStatus(
                        Task.Create.builder()
                                .title(title)
                                .jiraId(jiraId)
                                .description(description)
                                .createdBy(principal.userId())
                                .assigneeId(assignee)
                                .price(price)
                                .retry(key.isPresent())
                            ::build,
                        askTimeout));
    return onSuccess(created, t -> created(TaskJson.of(t)));
  }

  private Route list(Principal principal) {
    return parameterOptional(
        "assignee",
        assigneeParam ->
            parameterOptional(
                "status",
                statusParam -> {
                  Optional<UUID> assignee = assignee(principal, assigneeParam.orElse("me"));
                  Optional<Task.Status> status =
                      statusParam.map(
                          s ->
                              switch (s) {
                                case "open" -> Task.Status.OPEN;
                                case "done" -> Task.Status.DONE;
                                default ->
                                    throw ProblemException.invalidField(
                                        "status", "must be open or done");
                              });
                  return onSuccess(
                      readModel.list(assignee, status),
                      tasks -> ok(tasks.stream().map(TaskJson::of).toList()));
                }));
  }

  /** {@code me}, {@code all} or a user id; only managers and admins see others' tasks. */
  private static Optional<UUID> assignee(Principal principal, String value) {
    if (value.equals("me") || value.equals(principal.userId().toString()))
      return Optional.of(principal.userId());
    if (!principal.hasRole(Role.MANAGER, Role.ADMIN)) {
      throw ProblemException.forbidden("only managers and admins may list other users' tasks");
    }
    if (value.equals("all")) return Optional.empty();
    try {
      return Optional.of(UUID.fromString(value));
    } catch (IllegalArgumentException e) {
      throw ProblemException.invalidField("assignee", "must be me, all or a user id");
    }
  }

  /** A task by id: workers read only the tasks assigned to them, the other roles any task. */
  private Route read(Principal principal, UUID taskId) {
    return onSuccess(
        database.call(() -> task(taskId).<Task.Details>askWithStatus(Task.Get::new, askTimeout)),
        t -> {
          if (principal.role() == Role.WORKER && !principal.userId().equals(t.assigneeId())) {
            throw ProblemException.forbidden("a worker may read only the tasks assigned to them");
          }
          return ok(TaskJson.of(t));
        });
  }

  private Route completeTask(Principal principal, UUID taskId) {
    return onSuccess(
        database.call(
            () ->
                task(taskId)
                    .<Task.Details>askWithStatus(
                        replyTo -> new Task.Complete(principal.userId(), replyTo), askTimeout)),
        t -> ok(TaskJson.of(t)));
  }

  private Route shuffle(Principal principal) {
    return requireRole(
        principal,
        () -> {
          if (workers.pick().isEmpty()) {
            throw ProblemException.conflict("there is no worker to assign tasks to");
          }
          scala.concurrent.duration.FiniteDuration timeout =
              scala.concurrent.duration.FiniteDuration.apply(
                  shuffleTimeout.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS);
          return withRequestTimeout(
              timeout, () -> onSuccess(shuffleAll(), n -> ok(new ShuffleResponse(n))));
        },
        Role.MANAGER,
        Role.ADMIN);
  }

  /**
   * Reassigns every open task, streaming the open ids page by page from the read model with a
   * bounded number of asks in flight, so 10,000 tasks take neither unbounded memory nor one huge
   * transaction. A task completed meanwhile stays where it is and is not counted.
   */
  CompletionStage<Long> shuffleAll() {
    Source<UUID, NotUsed> openIds =
        Source.unfoldAsync(
                FIRST_ID,
                after ->
                    readModel
                        .openTaskIds(after, SHUFFLE_PAGE)
                        .thenApply(
                            page ->
                                page.isEmpty()
                                    ? Optional.<Pair<UUID, List<UUID>>>empty()
                                    : Optional.of(Pair.create(page.get(page.size() - 1), page))))
            .mapConcat(page -> page);
    return openIds
        .mapAsyncUnordered(
            shuffleParallelism,
            id -> {
              UUID worker =
                  workers
                      .pick()
                      .orElseThrow(
                          () -> ProblemException.conflict("there is no worker to assign tasks to"));
              return database.call(
                  () ->
                      task(id)
                          .<Task.Reassigned>askWithStatus(
                              replyTo -> new Task.Reassign(worker, replyTo), askTimeout));
            })
        .filter(Task.Reassigned::moved)
        .runWith(Sink.fold(0L, (n, r) -> n + 1), system);
  }
}
