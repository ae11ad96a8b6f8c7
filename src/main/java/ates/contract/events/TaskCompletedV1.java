package ates.contract.events;

import static ates.contract.Required.field;

import java.time.Instant;
import java.util.UUID;

/**
 * {@code TaskCompleted} v1 on the {@code TaskCompleted} topic, key {@code taskId}. Build it with
 * {@link #builder()}.
 */
public record TaskCompletedV1(
    UUID taskId,
    String title,
    String jiraId,
    UUID assigneeId,
    long completionReward,
    Instant completedAt) {
  public static final String NAME = "TaskCompleted";
  public static final int VERSION = 1;

  public static Builder builder() {
    return new Builder();
  }

  /** The same event completed at another instant. */
  public TaskCompletedV1 withCompletedAt(Instant at) {
    return new TaskCompletedV1(taskId, title, jiraId, assigneeId, completionReward, at);
  }

  /** Every field by name; {@code jiraId} may stay null, the others are required. */
  public static final class Builder {
    private UUID taskId;
    private String title;
    private String jiraId;
    private UUID assigneeId;
    private Long completionReward;
    private Instant completedAt;

    private Builder() {}

    public Builder taskId(UUID value) {
      taskId = value;
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

    public Builder completionReward(long value) {
      completionReward = value;
      return this;
    }

    public Builder completedAt(Instant value) {
      completedAt = value;
      return this;
    }

    public TaskCompletedV1 build() {
      return new TaskCompletedV1(
          field(taskId, "taskId"),
          field(title, "title"),
          jiraId,
          field(assigneeId, "assigneeId"),
          field(completionReward, "completionReward"),
          field(completedAt, "completedAt"));
    }
  }
}
