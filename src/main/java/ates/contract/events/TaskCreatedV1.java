package ates.contract.events;

import static ates.contract.Required.field;

import java.time.Instant;
import java.util.UUID;

/**
 * {@code TaskCreated} v1 on the {@code TaskCreated} topic, key {@code taskId}. Build it with {@link
 * #builder()}: its ids, prices and texts name their fields instead of trading places.
 */
public record TaskCreatedV1(
    UUID taskId,
    String title,
    String jiraId,
    String description,
    UUID assigneeId,
    long assignFee,
    long completionReward,
    UUID createdBy,
    Instant createdAt) {
  public static final String NAME = "TaskCreated";
  public static final int VERSION = 1;

  public static Builder builder() {
    return new Builder();
  }

  /** Every field by name; {@code jiraId} may stay null, the others are required. */
  public static final class Builder {
    private UUID taskId;
    private String title;
    private String jiraId;
    private String description;
    private UUID assigneeId;
    private Long assignFee;
    private Long completionReward;
    private UUID createdBy;
    private Instant createdAt;

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

    public Builder description(String value) {
      description = value;
      return this;
    }

    public Builder assigneeId(UUID value) {
      assigneeId = value;
      return this;
    }

    public Builder assignFee(long value) {
      assignFee = value;
      return this;
    }

    public Builder completionReward(long value) {
      completionReward = value;
      return this;
    }

    public Builder createdBy(UUID value) {
      createdBy = value;
      return this;
    }

    public Builder createdAt(Instant value) {
      createdAt = value;
      return this;
    }

    public TaskCreatedV1 build() {
      return new TaskCreatedV1(
          field(taskId, "taskId"),
          field(title, "title"),
          jiraId,
          field(description, "description"),
          field(assigneeId, "assigneeId"),
          field(assignFee, "assignFee"),
          field(completionReward, "completionReward"),
          field(createdBy, "createdBy"),
          field(createdAt, "createdAt"));
    }
  }
}
