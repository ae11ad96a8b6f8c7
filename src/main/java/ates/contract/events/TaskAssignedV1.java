package ates.contract.events;

import static ates.contract.Required.field;

import ates.contract.AssignmentReason;
import java.time.Instant;
import java.util.UUID;

/**
 * {@code TaskAssigned} v1 on the {@code TaskAssigned} topic, key {@code taskId}: one per
 * assignment; accounting debits {@code assignFee} from {@code assigneeId} for each. Build it with
 * {@link #builder()}: the new and the previous assignee name their fields.
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

  public static Builder builder() {
    return new Builder();
  }

  /** Every field by name; {@code jiraId} and {@code previousAssigneeId} may stay null. */
  public static final class Builder {
    private UUID taskId;
    private Integer assignmentNo;
    private String title;
    private String jiraId;
    private UUID assigneeId;
    private UUID previousAssigneeId;
    private Long assignFee;
    private AssignmentReason reason;
    private Instant assignedAt;

    private Builder() {}

    public Builder taskId(UUID value) {
      taskId = value;
      return this;
    }

    public Builder assignmentNo(int value) {
      assignmentNo = value;
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

    public Builder assigneeId(UUID value) {
      assigneeId = value;
      return this;
    }

    public Builder previousAssigneeId(UUID value) {
      previousAssigneeId = value;
      return this;
    }

    public Builder assignFee(long value) {
      assignFee = value;
      return this;
    }

    public Builder reason(AssignmentReason value) {
      reason = value;
      return this;
    }

    public Builder assignedAt(Instant value) {
      assignedAt = value;
      return this;
    }

    public TaskAssignedV1 build() {
      return new TaskAssignedV1(
          field(taskId, "taskId"),
          field(assignmentNo, "assignmentNo"),
          field(title, "title"),
          jiraId,
          field(assigneeId, "assigneeId"),
          previousAssigneeId,
          field(assignFee, "assignFee"),
          field(reason, "reason"),
          field(assignedAt, "assignedAt"));
    }
  }
}
