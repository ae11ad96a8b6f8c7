package ates.contract.events;

import static ates.contract.Required.field;

import ates.contract.Direction;
import ates.contract.TransactionType;
import java.time.Instant;
import java.time.LocalDate;
import java.util.UUID;

/**
 * {@code TransactionCreated} v1 on the {@code TransactionCreated} topic, key {@code accountId}.
 * Build it with {@link #builder()}: the amount and the balance after it name their fields, and the
 * direction is the type's.
 */
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

  public static Builder builder() {
    return new Builder();
  }

  /** Every field by name; {@code taskId} may stay null (a payout), the others are required. */
  public static final class Builder {
    private String transactionId;
    private UUID accountId;
    private TransactionType type;
    private Long amount;
    private Long balanceAfter;
    private UUID taskId;
    private String description;
    private LocalDate billingDate;
    private Instant createdAt;

    private Builder() {}

    public Builder transactionId(String value) {
      transactionId = value;
      return this;
    }

    public Builder accountId(UUID value) {
      accountId = value;
      return this;
    }

    /** The type, and with it the direction. */
    public Builder type(TransactionType value) {
      type = value;
      return this;
    }

    public Builder amount(long value) {
      amount = value;
      return this;
    }

    public Builder balanceAfter(long value) {
      balanceAfter = value;
      return this;
    }

    public Builder taskId(UUID value) {
      taskId = value;
      return this;
    }

    public Builder description(String value) {
      description = value;
      return this;
    }

    public Builder billingDate(LocalDate value) {
      billingDate = value;
      return this;
    }

    public Builder createdAt(Instant value) {
      createdAt = value;
      return this;
    }

    public TransactionCreatedV1 build() {
      return new TransactionCreatedV1(
          field(transactionId, "transactionId"),
          field(accountId, "accountId"),
          field(type, "type"),
          type.direction(),
          field(amount, "amount"),
          field(balanceAfter, "balanceAfter"),
          taskId,
          field(description, "description"),
          field(billingDate, "billingDate"),
          field(createdAt, "createdAt"));
    }
  }
}
