package ates.tasks;

import ates.contract.Topics;
import ates.contract.events.TaskAssignedV1;
import ates.contract.events.TaskCompletedV1;
import ates.contract.events.TaskCreatedV1;
import ates.platform.kafka.OutgoingEvent;
import java.util.List;

/** What each task journal event publishes (events.md): one contract event each. */
final class TaskEvents {

  private TaskEvents() {}

  static List<OutgoingEvent> toContract(Task.Event event) {
    String key = event.taskId().toString();
    if (event instanceof Task.Created c) {
      return List.of(
          new OutgoingEvent(
              Topics.TASK_CREATED,
              key,
              TaskCreatedV1.NAME,
              TaskCreatedV1.VERSION,
              new TaskCreatedV1(c.taskId(), c.title(), c.jiraId(), c.description(), c.assigneeId(),
                  c.assignFee(), c.completionReward(), c.createdBy(), c.createdAt()),
              c.createdAt()));
    }
    if (event instanceof Task.Assigned a) {
      return List.of(
          new OutgoingEvent(
              Topics.TASK_ASSIGNED,
              key,
              TaskAssignedV1.NAME,
              TaskAssignedV1.VERSION,
              new TaskAssignedV1(a.taskId(), a.assignmentNo(), a.title(), a.jiraId(), a.assigneeId(),
                  a.previousAssigneeId(), a.assignFee(), a.reason(), a.assignedAt()),
              a.assignedAt()));
    }
    if (event instanceof Task.Completed c) {
      return List.of(
          new OutgoingEvent(
              Topics.TASK_COMPLETED,
              key,
              TaskCompletedV1.NAME,
              TaskCompletedV1.VERSION,
              new TaskCompletedV1(c.taskId(), c.title(), c.jiraId(), c.assigneeId(),
                  c.completionReward(), c.completedAt()),
              c.completedAt()));
    }
    return List.of();
  }
}
