package ates.contract.events;

import java.time.Instant;
import java.util.UUID;

/** {@code TaskCreated} v1 on the {@code TaskCreated} topic, key {@code taskId}. */
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
}
