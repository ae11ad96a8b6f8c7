package ates.platform.kafka;

/** Where a consumer stream keeps how far it has read: the strategies of {@link EventConsumer}. */
public sealed interface Offsets {

  /**
   * Offsets committed to the consumer group in Kafka, per batch, after every effect of the batch is
   * durable. Guarantee: at least once; records after the last commit are delivered again after a
   * restart or a rebalance, so the handler must be idempotent (the same event applied twice moves
   * nothing the second time).
   */
  Offsets COMMITTED_TO_KAFKA = new CommittedToKafka();

  /**
   * Offsets kept by the handler in its own database: every partition resumes from the offset stored
   * there (the consumer group's offsets are neither read nor committed), and the handler writes the
   * record's next offset in the same transaction as the record's effects, one record at a time per
   * partition. Guarantee: exactly-once effects; a crash at any point leaves either the effects and
   * the offset or neither, so an event is never applied twice nor dropped.
   */
  static Offsets storedBy(OffsetStore store) {
    return new StoredByHandler(store);
  }

  /** See {@link #COMMITTED_TO_KAFKA}. */
  record CommittedToKafka() implements Offsets {}

  /** See {@link #storedBy}. */
  record StoredByHandler(OffsetStore store) implements Offsets {}
}
