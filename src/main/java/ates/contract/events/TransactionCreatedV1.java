package ates.contract.events;

import ates.contract.Direction;
import ates.contract.TransactionType;
import java.time.Instant;
import java.time.LocalDate;
import java.util.UUID;

/** {@code TransactionCreated} v1 on the {@code TransactionCreated} topic, key {@code accountId}. */
public record TransactionCreatedV1(
    String transactionId,
    UUID accountId,
    TransactionType type,
    Direction direction,
    long amount,
    long balanceAfter,
    UUID taskId,
    String description,
    LocalDate billingDate,
    Instant createdAt) {
  public static final String NAME = "TransactionCreated";
  public static final int VERSION = 1;
}
