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
              TaskCreatedV1.builder()
                  .taskId(c.taskId())
                  .title(c.title())
                  .jiraId(c.jiraId())
                  .description(c.description())
                  .assigneeId(c.assigneeId())
                  .assignFee(c.assignFee())
                  .completionReward(c.completionReward())
                  .createdBy(c.createdBy())
                  .createdAt(c.createdAt())
                  .build(),
              c.createdAt()));
    }
    if (event instanceof Task.Assigned a) {
      return List.of(
          new OutgoingEvent(
              Topics.TASK_ASSIGNED,
              key,
              TaskAssignedV1.NAME,
              TaskAssignedV1.VERSION,
              TaskAssignedV1.builder()
                  .taskId(a.taskId())
                  .assignmentNo(a.assignmentNo())
                  .title(a.title())
                  .jiraId(a.jiraId())
                  .assigneeId(a.assigneeId())
                  .previousAssigneeId(a.previousAssigneeId())
                  .assignFee(a.assignFee())
                  .reason(a.reason())
                  .assignedAt(a.assignedAt())
                  .build(),
              a.assignedAt()));
    }
    if (event instanceof Task.Completed c) {
      return List.of(
          new OutgoingEvent(
              Topics.TASK_COMPLETED,
              key,
              TaskCompletedV1.NAME,
              TaskCompletedV1.VERSION,
              TaskCompletedV1.builder()
                  .taskId(c.taskId())
                  .title(c.title())
                  .jiraId(c.jiraId())
                  .assigneeId(c.assigneeId())
                  .completionReward(c.completionReward())
                  .completedAt(c.completedAt())
                  .build(),
              c.completedAt()));
    }
    return List.of();
  }
}
