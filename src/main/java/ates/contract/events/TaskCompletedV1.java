package ates.contract.events;

import java.time.Instant;
import java.util.UUID;

/** {@code TaskCompleted} v1 on the {@code TaskCompleted} topic, key {@code taskId}. */
public record TaskCompletedV1(
    UUID taskId,
    String title,
    String jiraId,
    UUID assigneeId,
    long completionReward,
    Instant completedAt) {
  public static final String NAME = "TaskCompleted";
  public static final int VERSION = 1;
}
