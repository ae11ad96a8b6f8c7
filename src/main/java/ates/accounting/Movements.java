package ates.accounting;

import ates.contract.EventEnvelope;
import ates.contract.EventJson;
import ates.contract.TransactionIds;
import ates.contract.TransactionType;
import ates.contract.events.TaskAssignedV1;
import ates.contract.events.TaskCompletedV1;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneId;
import java.util.Optional;
import java.util.UUID;

/**
 * The ledger movement each task event stands for, with its deterministic transaction id: a fee per
 * assignment ({@code taskId} + {@code assignmentNo}), a reward per completion ({@code taskId}).
 */
final class Movements {

  private final ZoneId billingZone;

  Movements(ZoneId billingZone) {
    this.billingZone = billingZone;
  }

  LocalDate billingDate(Instant at) {
    return LocalDate.ofInstant(at, billingZone);
  }

  /** The account and movement of a task event; empty for events that move no money. */
  Optional<Booking> of(EventEnvelope envelope) {
    switch (envelope.eventName()) {
      case TaskAssignedV1.NAME -> {
        TaskAssignedV1 e = EventJson.dataAs(envelope, TaskAssignedV1.class);
        return Optional.of(
            new Booking(
                e.assigneeId(),
                Account.Movement.builder(TransactionType.ASSIGNMENT_FEE)
                    .transactionId(TransactionIds.assignmentFee(e.taskId(), e.assignmentNo()))
                    .amount(e.assignFee())
                    .taskId(e.taskId())
                    .description(feeDescription(e))
                    .billingDate(billingDate(e.assignedAt()))
                    .createdAt(e.assignedAt())
                    .build()));
      }
      case TaskCompletedV1.NAME -> {
        TaskCompletedV1 e = EventJson.dataAs(envelope, TaskCompletedV1.class);
        return Optional.of(
            new Booking(
                e.assigneeId(),
                Account.Movement.builder(TransactionType.COMPLETION_REWARD)
                    .transactionId(TransactionIds.completionReward(e.taskId()))
                    .amount(e.completionReward())
                    .taskId(e.taskId())
                    .description("Reward for completing task " + name(e.title(), e.jiraId()))
                    .billingDate(billingDate(e.completedAt()))
                    .createdAt(e.completedAt())
                    .build()));
      }
      default -> {
        return Optional.empty();
      }
    }
  }

  private static String feeDescription(TaskAssignedV1 e) {
    return "Assignment fee for task "
        + name(e.title(), e.jiraId())
        + (e.assignmentNo() > 1 ? " (assignment " + e.assignmentNo() + ")" : "");
  }

  private static String name(String title, String jiraId) {
    return "'" + title + "'" + (jiraId == null ? "" : " (" + jiraId + ")");
  }

  record Booking(UUID accountId, Account.Movement movement) {}
}
