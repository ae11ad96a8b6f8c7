package ates.tasks;

import static ates.contract.Required.field;

import akka.actor.typed.ActorRef;
import akka.actor.typed.Behavior;
import akka.cluster.sharding.typed.javadsl.EntityTypeKey;
import akka.pattern.StatusReply;
import akka.persistence.typed.javadsl.CommandHandlerWithReply;
import akka.persistence.typed.javadsl.CommandHandlerWithReplyBuilder;
import akka.persistence.typed.javadsl.EventHandler;
import akka.persistence.typed.javadsl.ReplyEffect;
import ates.contract.AssignmentReason;
import ates.contract.TaskPrice;
import ates.platform.CborSerializable;
import ates.platform.EntityError;
import ates.platform.JournaledEntity;
import ates.platform.Tags;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.UUID;

/**
 * A task: one sharded, event-sourced entity per task id. Created open and assigned to a worker with
 * its prices fixed; reassigned at each shuffle while open; completed once, by its assignee.
 * Commands are serialized by the entity, so a completion racing a shuffle is safe: whichever comes
 * first wins, and a done task never moves.
 */
public final class Task extends JournaledEntity<Task.Command, Task.Event, Task.State> {

  public static final EntityTypeKey<Command> ENTITY_KEY =
      EntityTypeKey.create(Command.class, "Task");
  public static final Tags TAGS = new Tags("tasks", 4);

  public enum Status {
    OPEN,
    DONE
  }

  /** What the API shows of a task. */
  public record Details(
      UUID taskId,
      String title,
      String jiraId,
      String description,
      Status status,
      UUID assigneeId,
      int assignmentNo,
      long assignFee,
      long completionReward,
      UUID createdBy,
      Instant createdAt,
      Instant completedAt)
      implements CborSerializable {

    /** The task as {@code e} creates it: open, assignment number 0 until its first Assigned. */
    static Details created(Created e) {
      return builder()
          .taskId(e.taskId())
          .title(e.title())
          .jiraId(e.jiraId())
          .description(e.description())
          .status(Status.OPEN)
          .assigneeId(e.assigneeId())
          .assignmentNo(0)
          .assignFee(e.assignFee())
          .completionReward(e.completionReward())
          .createdBy(e.createdBy())
          .createdAt(e.createdAt())
          .build();
    }

    Details assignedTo(UUID assignee, int number) {
      return toBuilder().assigneeId(assignee).assignmentNo(number).build();
    }

    Details completedAt(Instant at) {
      return toBuilder().status(Status.DONE).completedAt(at).build();
    }

    static Builder builder() {
      return new Builder();
    }

    Builder toBuilder() {
      return new Builder()
          .taskId(taskId)
          .title(title)
          .jiraId(jiraId)
          .description(description)
          .status(status)
          .assigneeId(assigneeId)
          .assignmentNo(assignmentNo)
          .assignFee(assignFee)
          .completionReward(completionReward)
          .createdBy(createdBy)
          .createdAt(createdAt)
          .completedAt(completedAt);
    }

    /** Every field by name: the ids, prices and texts cannot trade places unnoticed. */
    static final class Builder {
      private UUID taskId;
      private String title;
      private String jiraId;
      private String description;
      private Status status;
      private UUID assigneeId;
      private Integer assignmentNo;
      private Long assignFee;
      private Long completionReward;
      private UUID createdBy;
      private Instant createdAt;
      private Instant completedAt;

      Builder taskId(UUID value) {
        taskId = value;
        return this;
      }

      Builder title(String value) {
        title = value;
        return this;
      }

      Builder jiraId(String value) {
        jiraId = value;
        return this;
      }

      Builder description(String value) {
        description = value;
        return this;
      }

      Builder status(Status value) {
        status = value;
        return this;
      }

      Builder assigneeId(UUID value) {
        assigneeId = value;
        return this;
      }

      Builder assignmentNo(int value) {
        assignmentNo = value;
        return this;
      }

      Builder assignFee(long value) {
        assignFee = value;
        return this;
      }

      Builder completionReward(long value) {
        completionReward = value;
        return this;
      }

      Builder createdBy(UUID value) {
        createdBy = value;
        return this;
      }

      Builder createdAt(Instant value) {
        createdAt = value;
        return this;
      }

      Builder completedAt(Instant value) {
        completedAt = value;
        return this;
      }

      Details build() {
        return new Details(
            field(taskId, "taskId"),
            field(title, "title"),
            jiraId,
            field(description, "description"),
            field(status, "status"),
            field(assigneeId, "assigneeId"),
            field(assignmentNo, "assignmentNo"),
            field(assignFee, "assignFee"),
            field(completionReward, "completionReward"),
            field(createdBy, "createdBy"),
            field(createdAt, "createdAt"),
            completedAt);
      }
    }
  }

  // --- commands -------------------------------------------------------------------------------

  public sealed interface Command extends CborSerializable {}

  /**
   * Creates the task, assigned to {@code assigneeId}, with its prices fixed now. Build it with
   * {@link #builder()}: the creator and the assignee name their fields. With {@code retry} (the
   * task id comes from the caller's Idempotency-Key), creating an existing task with the same
   * creator, title, Jira id and description answers that task, and anything else is a reused key.
   */
  public record Create(
      String title,
      String jiraId,
      String description,
      UUID createdBy,
      UUID assigneeId,
      TaskPrice price,
      boolean retry,
      ActorRef<StatusReply<Details>> replyTo)
      implements Command {

    /** True when an existing task is what this command would have created. */
    boolean sameRequestAs(Details task) {
      return task.createdBy().equals(createdBy)
          && task.title().equals(title)
          && java.util.Objects.equals(task.jiraId(), jiraId)
          && task.description().equals(description);
    }

    public static Builder builder() {
      return new Builder();
    }

    /** Every field by name; {@link #build} takes the reply-to of the ask. */
    public static final class Builder {
      private String title;
      private String jiraId;
      private String description;
      private UUID createdBy;
      private UUID assigneeId;
      private TaskPrice price;
      private boolean retry;

      private Builder() {}

      /** The task id comes from an Idempotency-Key: a repeated request answers the first task. */
      public Builder retry(boolean value) {
        retry = value;
        return this;
      }

      public Builder title(String value) {
        title = value;
        return this;
      }

      public Builder jiraId(String value) {
        jiraId = value;
        return this;
      }

      public Builder description(String value) {
        description = value;
        return this;
      }

      public Builder createdBy(UUID value) {
        createdBy = value;
        return this;
      }

      public Builder assigneeId(UUID value) {
        assigneeId = value;
        return this;
      }

      public Builder price(TaskPrice value) {
        price = value;
        return this;
      }

      public Create build(ActorRef<StatusReply<Details>> replyTo) {
        return new Create(
            field(title, "title"),
            jiraId,
            field(description, "description"),
            field(createdBy, "createdBy"),
            field(assigneeId, "assigneeId"),
            field(price, "price"),
            retry,
            replyTo);
      }
    }
  }

  /** Assigns an open task to {@code assigneeId} (a shuffle); a done task stays where it is. */
  public record Reassign(UUID assigneeId, ActorRef<StatusReply<Reassigned>> replyTo)
      implements Command {}

  public record Reassigned(boolean moved, Details task) implements CborSerializable {}

  /** Completes the task, if {@code by} is its assignee. */
  public record Complete(UUID by, ActorRef<StatusReply<Details>> replyTo) implements Command {}

  public record Get(ActorRef<StatusReply<Details>> replyTo) implements Command {}

  // --- events (denormalized: each carries what its contract event needs) -----------------------

  public sealed interface Event extends CborSerializable {
    UUID taskId();
  }

  public record Created(
      UUID taskId,
      String title,
      String jiraId,
      String description,
      UUID createdBy,
      UUID assigneeId,
      long assignFee,
      long completionReward,
      Instant createdAt)
      implements Event {

    /** Task {@code taskId} created as {@code cmd} asks, at {@code at}. */
    static Created of(UUID taskId, Create cmd, Instant at) {
      return new Created(
          taskId,
          cmd.title(),
          cmd.jiraId(),
          cmd.description(),
          cmd.createdBy(),
          cmd.assigneeId(),
          cmd.price().assignFee(),
          cmd.price().completionReward(),
          at);
    }
  }

  public record Assigned(
      UUID taskId,
      int assignmentNo,
      String title,
      String jiraId,
      UUID assigneeId,
      UUID previousAssigneeId,
      long assignFee,
      AssignmentReason reason,
      Instant assignedAt)
      implements Event {

    /** The first assignment (number 1) of task {@code taskId}, created by {@code cmd}. */
    static Assigned first(UUID taskId, Create cmd, Instant at) {
      return new Assigned(
          taskId,
          1,
          cmd.title(),
          cmd.jiraId(),
          cmd.assigneeId(),
          null,
          cmd.price().assignFee(),
          AssignmentReason.CREATED,
          at);
    }

    /** The next assignment of {@code task}, to {@code assignee}, by a shuffle. */
    static Assigned next(Details task, UUID assignee, Instant at) {
      return new Assigned(
          task.taskId(),
          task.assignmentNo() + 1,
          task.title(),
          task.jiraId(),
          assignee,
          task.assigneeId(),
          task.assignFee(),
          AssignmentReason.SHUFFLE,
          at);
    }
  }

  public record Completed(
      UUID taskId,
      String title,
      String jiraId,
      UUID assigneeId,
      long completionReward,
      Instant completedAt)
      implements Event {

    /** The completion of {@code task} by its assignee, paying its reward. */
    static Completed of(Details task, Instant at) {
      return new Completed(
          task.taskId(),
          task.title(),
          task.jiraId(),
          task.assigneeId(),
          task.completionReward(),
          at);
    }
  }

  // --- state ----------------------------------------------------------------------------------

  public sealed interface State extends CborSerializable {}

  public enum Blank implements State {
    INSTANCE
  }

  public record Open(Details task) implements State {}

  public record Done(Details task) implements State {}

  // --- behavior -------------------------------------------------------------------------------

  private final UUID taskId;
  private final Clock clock;

  public static Behavior<Command> create(String entityId, Journal journal, Clock clock) {
    return new Task(entityId, journal, clock);
  }

  private Task(String entityId, Journal journal, Clock clock) {
    super(ENTITY_KEY, entityId, journal, TAGS, false);
    this.taskId = UUID.fromString(entityId);
    this.clock = clock;
  }

  @Override
  public State emptyState() {
    return Blank.INSTANCE;
  }

  @Override
  public CommandHandlerWithReply<Command, Event, State> commandHandler() {
    CommandHandlerWithReplyBuilder<Command, Event, State> builder =
        newCommandHandlerWithReplyBuilder();

    builder
        .forStateType(Blank.class)
        .onCommand(Create.class, this::create)
        .onCommand(Reassign.class, cmd -> Effect().reply(cmd.replyTo(), notFound()))
        .onCommand(Complete.class, cmd -> Effect().reply(cmd.replyTo(), notFound()))
        .onCommand(Get.class, cmd -> Effect().reply(cmd.replyTo(), notFound()));

    builder
        .forStateType(Open.class)
        .onCommand(Create.class, (state, cmd) -> createAgain(state.task(), cmd))
        .onCommand(Reassign.class, this::reassign)
        .onCommand(Complete.class, this::complete)
        .onCommand(
            Get.class,
            (state, cmd) -> Effect().reply(cmd.replyTo(), StatusReply.success(state.task())));

    builder
        .forStateType(Done.class)
        .onCommand(Create.class, (state, cmd) -> createAgain(state.task(), cmd))
        .onCommand(
            Reassign.class,
            (state, cmd) ->
                Effect()
                    .reply(cmd.replyTo(), StatusReply.success(new Reassigned(false, state.task()))))
        .onCommand(
            Complete.class,
            (state, cmd) ->
                Effect().reply(cmd.replyTo(), EntityError.conflict("the task is already done")))
        .onCommand(
            Get.class,
            (state, cmd) -> Effect().reply(cmd.replyTo(), StatusReply.success(state.task())));

    return builder.build();
  }

  private static <T> StatusReply<T> notFound() {
    return EntityError.notFound("no such task");
  }

  private static <T> StatusReply<T> alreadyExists() {
    return EntityError.conflict("the task exists already");
  }

  private ReplyEffect<Event, State> create(Create cmd) {
    Instant now = clock.instant();
    return Effect()
        .persist(List.of(Created.of(taskId, cmd, now), Assigned.first(taskId, cmd, now)))
        .thenReply(cmd.replyTo(), state -> StatusReply.success(((Open) state).task()));
  }

  /** A create for a task that exists: the first answer again for a retry, 409 or 422 otherwise. */
  private ReplyEffect<Event, State> createAgain(Details task, Create cmd) {
    if (!cmd.retry()) return Effect().reply(cmd.replyTo(), alreadyExists());
    if (cmd.sameRequestAs(task)) return Effect().reply(cmd.replyTo(), StatusReply.success(task));
    return Effect()
        .reply(
            cmd.replyTo(),
            EntityError.keyReused("this Idempotency-Key was used for another request"));
  }

  private ReplyEffect<Event, State> reassign(Open state, Reassign cmd) {
    return Effect()
        .persist(Assigned.next(state.task(), cmd.assigneeId(), clock.instant()))
        .thenReply(
            cmd.replyTo(), s -> StatusReply.success(new Reassigned(true, ((Open) s).task())));
  }

  private ReplyEffect<Event, State> complete(Open state, Complete cmd) {
    Details t = state.task();
    if (!t.assigneeId().equals(cmd.by())) {
      return Effect()
          .reply(cmd.replyTo(), EntityError.forbidden("only the task's assignee may complete it"));
    }
    return Effect()
        .persist(Completed.of(t, clock.instant()))
        .thenReply(cmd.replyTo(), s -> StatusReply.success(((Done) s).task()));
  }

  @Override
  public EventHandler<State, Event> eventHandler() {
    var builder = newEventHandlerBuilder();
    builder
        .forStateType(Blank.class)
        .onEvent(
            Created.class,
            // the first Assigned event (number 1) follows in the same atomic write
            e -> new Open(Details.created(e)));
    builder
        .forStateType(Open.class)
        .onEvent(
            Assigned.class,
            (state, e) -> new Open(state.task().assignedTo(e.assigneeId(), e.assignmentNo())))
        .onEvent(
            Completed.class, (state, e) -> new Done(state.task().completedAt(e.completedAt())));
    return builder.build();
  }
}
