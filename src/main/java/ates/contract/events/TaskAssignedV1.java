package ates.contract.events;

import ates.contract.AssignmentReason;
import java.time.Instant;
import java.util.UUID;

/**
 * {@code TaskAssigned} v1 on the {@code TaskAssigned} topic, key {@code taskId}: one per
 * assignment; accounting debits {@code assignFee} from {@code assigneeId} for each.
 */
public record TaskAssignedV1(
    UUID taskId,
    int assignmentNo,
    String title,
    String jiraId,
    UUID assigneeId,
    UUID previousAssigneeId,
    long assignFee,
    AssignmentReason reason,
    Instant assignedAt) {
  public static final String NAME = "TaskAssigned";
  public static final int VERSION = 1;
}
