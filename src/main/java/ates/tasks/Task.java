package ates.tasks;

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
 * A task: one sharded, event-sourced entity per task id. Created open and assigned to a worker
 * with its prices fixed; reassigned at each shuffle while open; completed once, by its assignee.
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

    Details assignedTo(UUID assignee, int number) {
      return new Details(taskId, title, jiraId, description, status, assignee, number, assignFee,
          completionReward, createdBy, createdAt, completedAt);
    }

    Details completedAt(Instant at) {
      return new Details(taskId, title, jiraId, description, Status.DONE, assigneeId, assignmentNo,
          assignFee, completionReward, createdBy, createdAt, at);
    }
  }

  // --- commands -------------------------------------------------------------------------------

  public sealed interface Command extends CborSerializable {}

  /** Creates the task, assigned to {@code assigneeId}, with its prices fixed now. */
  public record Create(
      String title,
      String jiraId,
      String description,
      UUID createdBy,
      UUID assigneeId,
      TaskPrice price,
      ActorRef<StatusReply<Details>> replyTo)
      implements Command {}

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
      implements Event {}

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
      implements Event {}

  public record Completed(
      UUID taskId,
      String title,
      String jiraId,
      UUID assigneeId,
      long completionReward,
      Instant completedAt)
      implements Event {}

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
        .onCommand(Create.class, (state, cmd) -> Effect().reply(cmd.replyTo(), alreadyExists()))
        .onCommand(Reassign.class, this::reassign)
        .onCommand(Complete.class, this::complete)
        .onCommand(Get.class, (state, cmd) -> Effect().reply(cmd.replyTo(), StatusReply.success(state.task())));

    builder
        .forStateType(Done.class)
        .onCommand(Create.class, (state, cmd) -> Effect().reply(cmd.replyTo(), alreadyExists()))
        .onCommand(
            Reassign.class,
            (state, cmd) ->
                Effect().reply(cmd.replyTo(), StatusReply.success(new Reassigned(false, state.task()))))
        .onCommand(
            Complete.class,
            (state, cmd) ->
                Effect().reply(cmd.replyTo(), EntityError.conflict("the task is already done")))
        .onCommand(Get.class, (state, cmd) -> Effect().reply(cmd.replyTo(), StatusReply.success(state.task())));

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
    Created created =
        new Created(taskId, cmd.title(), cmd.jiraId(), cmd.description(), cmd.createdBy(),
            cmd.assigneeId(), cmd.price().assignFee(), cmd.price().completionReward(), now);
    Assigned assigned =
        new Assigned(taskId, 1, cmd.title(), cmd.jiraId(), cmd.assigneeId(), null,
            cmd.price().assignFee(), AssignmentReason.CREATED, now);
    return Effect()
        .persist(List.of(created, assigned))
        .thenReply(cmd.replyTo(), state -> StatusReply.success(((Open) state).task()));
  }

  private ReplyEffect<Event, State> reassign(Open state, Reassign cmd) {
    Details t = state.task();
    Assigned assigned =
        new Assigned(taskId, t.assignmentNo() + 1, t.title(), t.jiraId(), cmd.assigneeId(),
            t.assigneeId(), t.assignFee(), AssignmentReason.SHUFFLE, clock.instant());
    return Effect()
        .persist(assigned)
        .thenReply(
            cmd.replyTo(), s -> StatusReply.success(new Reassigned(true, ((Open) s).task())));
  }

  private ReplyEffect<Event, State> complete(Open state, Complete cmd) {
    Details t = state.task();
    if (!t.assigneeId().equals(cmd.by())) {
      return Effect()
          .reply(cmd.replyTo(), EntityError.forbidden("only the task's assignee may complete it"));
    }
    Completed completed =
        new Completed(taskId, t.title(), t.jiraId(), t.assigneeId(), t.completionReward(), clock.instant());
    return Effect()
        .persist(completed)
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
            e ->
                new Open(
                    new Details(e.taskId(), e.title(), e.jiraId(), e.description(), Status.OPEN,
                        e.assigneeId(), 0, e.assignFee(), e.completionReward(), e.createdBy(),
                        e.createdAt(), null)));
    builder
        .forStateType(Open.class)
        .onEvent(Assigned.class, (state, e) -> new Open(state.task().assignedTo(e.assigneeId(), e.assignmentNo())))
        .onEvent(Completed.class, (state, e) -> new Done(state.task().completedAt(e.completedAt())));
    return builder.build();
  }
}
