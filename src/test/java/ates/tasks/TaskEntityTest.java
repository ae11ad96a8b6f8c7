package ates.tasks;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import akka.actor.testkit.typed.javadsl.ActorTestKit;
import akka.pattern.StatusReply;
import akka.persistence.testkit.javadsl.EventSourcedBehaviorTestKit;
import ates.contract.AssignmentReason;
import ates.contract.TaskPrice;
import ates.platform.EntityError;
import ates.platform.JournaledEntity;
import ates.testing.EntityTestKits;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The Task entity, given / when / then, with serialization verified. */
class TaskEntityTest {

  private static final Instant NOW = Instant.parse("2026-11-25T10:00:00Z");
  private static final TaskPrice PRICE = new TaskPrice(1500, 3000);
  private static ActorTestKit testKit;

  private final UUID taskId = UUID.randomUUID();
  private final UUID creator = UUID.randomUUID();
  private final UUID worker = UUID.randomUUID();
  private final UUID otherWorker = UUID.randomUUID();
  private EventSourcedBehaviorTestKit<Task.Command, Task.Event, Task.State> kit;

  @BeforeAll
  static void startTestKit() {
    testKit = EntityTestKits.create("TaskEntityTest");
  }

  @AfterAll
  static void stopTestKit() {
    testKit.shutdownTestKit();
  }

  @BeforeEach
  void newEntity() {
    kit =
        EventSourcedBehaviorTestKit.create(
            testKit.system(),
            Task.create(
                taskId.toString(),
                JournaledEntity.Journal.DEFAULT,
                Clock.fixed(NOW, ZoneOffset.UTC)));
  }

  private Task.Create.Builder feedThePopugs() {
    return Task.Create.builder()
        .title("Feed the popugs")
        .jiraId("POP-1")
        .description("daily")
        .createdBy(creator)
        .assigneeId(worker)
        .price(PRICE);
  }

  private Task.Details created() {
    var result = kit.<StatusReply<Task.Details>>runCommand(feedThePopugs()::build);
    return result.reply().getValue();
  }

  private static EntityError error(StatusReply<?> reply) {
    return EntityError.of(reply.getError()).orElseThrow();
  }

  @Test
  void creating_persists_created_and_the_first_assignment_with_fixed_prices() {
    var result = kit.<StatusReply<Task.Details>>runCommand(feedThePopugs()::build);

    assertEquals(2, result.events().size());
    Task.Created c = (Task.Created) result.events().get(0);
    Task.Assigned a = (Task.Assigned) result.events().get(1);
    assertEquals(
        new Task.Created(
            taskId, "Feed the popugs", "POP-1", "daily", creator, worker, 1500, 3000, NOW),
        c);
    assertEquals(creator, c.createdBy());
    assertEquals(worker, c.assigneeId());
    assertEquals(1500, c.assignFee());
    assertEquals(3000, c.completionReward());
    assertEquals(
        new Task.Assigned(
            taskId,
            1,
            "Feed the popugs",
            "POP-1",
            worker,
            null,
            1500,
            AssignmentReason.CREATED,
            NOW),
        a);
    Task.Details t = result.reply().getValue();
    assertEquals(Task.Status.OPEN, t.status());
    assertEquals(1, t.assignmentNo());
    assertEquals(creator, t.createdBy());
    assertEquals(worker, t.assigneeId());
    assertEquals("Feed the popugs", t.title());
    assertEquals("POP-1", t.jiraId());
    assertEquals("daily", t.description());
    assertEquals(1500, t.assignFee());
    assertEquals(3000, t.completionReward());
  }

  @Test
  void a_shuffle_assigns_an_open_task_with_the_next_number_and_the_same_fee() {
    created();

    var result =
        kit.<StatusReply<Task.Reassigned>>runCommand(r -> new Task.Reassign(otherWorker, r));

    assertEquals(
        new Task.Assigned(
            taskId,
            2,
            "Feed the popugs",
            "POP-1",
            otherWorker,
            worker,
            1500,
            AssignmentReason.SHUFFLE,
            NOW),
        result.event());
    assertTrue(result.reply().getValue().moved());
    assertEquals(otherWorker, result.reply().getValue().task().assigneeId());
  }

  @Test
  void only_the_assignee_completes_and_only_once() {
    created();

    var byOther = kit.<StatusReply<Task.Details>>runCommand(r -> new Task.Complete(otherWorker, r));
    var byAssignee = kit.<StatusReply<Task.Details>>runCommand(r -> new Task.Complete(worker, r));
    var again = kit.<StatusReply<Task.Details>>runCommand(r -> new Task.Complete(worker, r));

    assertTrue(byOther.hasNoEvents());
    assertEquals(
        new EntityError.Forbidden("only the task's assignee may complete it"),
        error(byOther.reply()));
    assertEquals(
        new Task.Completed(taskId, "Feed the popugs", "POP-1", worker, 3000, NOW),
        byAssignee.event());
    assertEquals(Task.Status.DONE, byAssignee.reply().getValue().status());
    assertTrue(again.hasNoEvents());
    assertEquals(new EntityError.Conflict("the task is already done"), error(again.reply()));
  }

  @Test
  void a_done_task_never_moves() {
    created();
    kit.<StatusReply<Task.Details>>runCommand(r -> new Task.Complete(worker, r));

    var result =
        kit.<StatusReply<Task.Reassigned>>runCommand(r -> new Task.Reassign(otherWorker, r));

    assertTrue(result.hasNoEvents());
    assertFalse(result.reply().getValue().moved());
    assertEquals(worker, result.reply().getValue().task().assigneeId());
    assertInstanceOf(Task.Done.class, result.state());
  }

  @Test
  void an_unknown_task_is_not_found_and_a_second_create_is_a_conflict() {
    var get = kit.<StatusReply<Task.Details>>runCommand(Task.Get::new);
    assertEquals(new EntityError.NotFound("no such task"), error(get.reply()));
    created();
    var again =
        kit.<StatusReply<Task.Details>>runCommand(
            feedThePopugs().title("x").jiraId(null).price(new TaskPrice(1000, 2000))::build);
    assertTrue(again.hasNoEvents());
    assertEquals(new EntityError.Conflict("the task exists already"), error(again.reply()));
  }

  @Test
  void the_task_is_recovered_from_its_events() {
    created();
    kit.<StatusReply<Task.Reassigned>>runCommand(r -> new Task.Reassign(otherWorker, r));
    kit.<StatusReply<Task.Details>>runCommand(r -> new Task.Complete(otherWorker, r));

    kit.restart();
    Task.Details t = kit.<StatusReply<Task.Details>>runCommand(Task.Get::new).reply().getValue();

    assertEquals(Task.Status.DONE, t.status());
    assertEquals(otherWorker, t.assigneeId());
    assertEquals(2, t.assignmentNo());
    assertEquals(NOW, t.completedAt());
  }

  @Test
  void a_retried_create_answers_the_first_task_and_a_reused_key_is_refused() {
    Task.Details first = created();

    var again =
        kit.<StatusReply<Task.Details>>runCommand(
            feedThePopugs().assigneeId(otherWorker).price(new TaskPrice(1001, 2001)).retry(true)
                ::build);
    assertTrue(again.events().isEmpty(), "a retry persists nothing");
    assertEquals(first, again.reply().getValue(), "the first answer: assignee and prices kept");

    var otherBody =
        kit.<StatusReply<Task.Details>>runCommand(
            feedThePopugs().description("weekly").retry(true)::build);
    assertTrue(otherBody.events().isEmpty());
    assertInstanceOf(EntityError.KeyReused.class, error(otherBody.reply()));

    var noKey = kit.<StatusReply<Task.Details>>runCommand(feedThePopugs()::build);
    assertInstanceOf(EntityError.Conflict.class, error(noKey.reply()));
  }
}
