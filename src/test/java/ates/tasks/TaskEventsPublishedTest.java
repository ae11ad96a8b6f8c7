package ates.tasks;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import ates.contract.AssignmentReason;
import ates.contract.Topics;
import ates.platform.kafka.OutgoingEvent;
import ates.testing.Published;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * What a task journal event publishes: given the event, when mapped to the contract, then one
 * record on its topic, keyed by the task, valid against the contract's schema.
 */
class TaskEventsPublishedTest {

  private static final Instant AT = Instant.parse("2024-03-04T09:00:00Z");
  private final UUID task = UUID.randomUUID();
  private final UUID manager = UUID.randomUUID();
  private final UUID alice = UUID.randomUUID();
  private final UUID bob = UUID.randomUUID();

  @Test
  void a_creation_publishes_task_created_with_its_prices() {
    OutgoingEvent e =
        only(new Task.Created(task, "Fix", null, "It fails", manager, alice, 1500, 3000, AT));

    assertEquals(Topics.TASK_CREATED, e.topic());
    assertEquals("TaskCreated", e.eventName());
    Published p = published(e);
    assertEquals(task.toString(), p.data("taskId"));
    assertEquals("Fix", p.data("title"));
    assertNull(p.data("jiraId"));
    assertEquals("It fails", p.data("description"));
    assertEquals(alice.toString(), p.data("assigneeId"));
    assertEquals("1500", p.data("assignFee"));
    assertEquals("3000", p.data("completionReward"));
    assertEquals(manager.toString(), p.data("createdBy"));
  }

  @Test
  void an_assignment_publishes_task_assigned_with_its_number_fee_and_previous_assignee() {
    OutgoingEvent first =
        only(
            new Task.Assigned(
                task, 1, "Fix", "ATES-1", alice, null, 1500, AssignmentReason.CREATED, AT));
    OutgoingEvent shuffle =
        only(
            new Task.Assigned(
                task, 2, "Fix", "ATES-1", bob, alice, 1500, AssignmentReason.SHUFFLE, AT));

    assertEquals(Topics.TASK_ASSIGNED, first.topic());
    assertEquals("TaskAssigned", first.eventName());
    Published p1 = published(first);
    assertEquals("1", p1.data("assignmentNo"));
    assertNull(p1.data("previousAssigneeId"));
    assertEquals("created", p1.data("reason"));
    Published p2 = published(shuffle);
    assertEquals("2", p2.data("assignmentNo"));
    assertEquals(bob.toString(), p2.data("assigneeId"));
    assertEquals(alice.toString(), p2.data("previousAssigneeId"));
    assertEquals("1500", p2.data("assignFee"));
    assertEquals("shuffle", p2.data("reason"));
    assertEquals("ATES-1", p2.data("jiraId"));
  }

  @Test
  void a_completion_publishes_task_completed_with_its_reward_and_assignee() {
    OutgoingEvent e = only(new Task.Completed(task, "Fix", "ATES-1", bob, 3000, AT));

    assertEquals(Topics.TASK_COMPLETED, e.topic());
    assertEquals("TaskCompleted", e.eventName());
    Published p = published(e);
    assertEquals(bob.toString(), p.data("assigneeId"));
    assertEquals("3000", p.data("completionReward"));
    assertEquals("2024-03-04T09:00:00Z", p.data("completedAt"));
  }

  private OutgoingEvent only(Task.Event event) {
    List<OutgoingEvent> events = TaskEvents.toContract(event);
    assertEquals(1, events.size());
    OutgoingEvent e = events.get(0);
    assertEquals(task.toString(), e.key());
    assertEquals(1, e.eventVersion());
    assertEquals(AT, e.eventTime());
    return e;
  }

  private static Published published(OutgoingEvent e) {
    return Published.of(e, UUID.randomUUID(), TasksService.NAME);
  }
}
