package ates.analytics;

import ates.contract.Direction;
import ates.contract.EventEnvelope;
import ates.contract.EventJson;
import ates.contract.Role;
import ates.contract.Topics;
import ates.contract.TransactionType;
import ates.contract.events.TaskCompletedV1;
import ates.contract.events.TransactionCreatedV1;
import ates.contract.events.UserRegisteredV1;
import ates.contract.events.UserRoleChangedV1;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.UUID;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * A known set of events for analytics over several days, sent to a node's topics with Kafka's own
 * producer: ledgers per worker, completed tasks, duplicates, late movements for past days, days
 * with a negative income, a role change and a poisoned record.
 */
final class AnalyticsEventsFixture {

  final List<EventEnvelope> sent = new ArrayList<>();
  final List<UUID> workers = new ArrayList<>();
  private final Map<UUID, Long> balances = new HashMap<>();
  private final Random random;
  private final String prefix;
  private final KafkaProducer<String, byte[]> producer;
  private int txCounter;

  AnalyticsEventsFixture(String bootstrap, String topicPrefix, long seed) {
    this.prefix = topicPrefix;
    this.random = new Random(seed);
    this.producer =
        new KafkaProducer<>(
            Map.of("bootstrap.servers", bootstrap, "acks", "all"),
            new StringSerializer(),
            new ByteArraySerializer());
  }

  void close() {
    producer.close();
  }

  private void send(String topic, String key, EventEnvelope envelope) {
    try {
      producer.send(new ProducerRecord<>(prefix + topic, key, EventJson.encode(envelope))).get();
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
    sent.add(envelope);
  }

  private static EventEnvelope envelope(String name, String producer, Object data, Instant at) {
    return EventJson.envelope(UUID.randomUUID(), name, 1, at, producer, data);
  }

  UUID user(Role role) {
    UUID id = UUID.randomUUID();
    send(
        Topics.USERS,
        id.toString(),
        envelope(
            UserRegisteredV1.NAME,
            "identity",
            new UserRegisteredV1(
                id, "u" + id.toString().substring(0, 8), "U", "u@ex.com", role, Instant.now()),
            Instant.now()));
    if (role == Role.WORKER) workers.add(id);
    return id;
  }

  void promote(UUID userId) {
    send(
        Topics.USERS,
        userId.toString(),
        envelope(
            UserRoleChangedV1.NAME,
            "identity",
            new UserRoleChangedV1(userId, Role.MANAGER, Instant.now()),
            Instant.now()));
  }

  /** One movement on the worker's ledger, booked on {@code day}. */
  TransactionCreatedV1 movement(UUID account, TransactionType type, long amount, LocalDate day) {
    long signed = type == TransactionType.COMPLETION_REWARD ? amount : -amount;
    long after = balances.merge(account, signed, Long::sum);
    Instant at = day.atTime(12, 0).toInstant(ZoneOffset.UTC).plusSeconds(txCounter);
    TransactionCreatedV1 t =
        new TransactionCreatedV1(
            "tx-" + (++txCounter) + "-" + account,
            account,
            type,
            type == TransactionType.COMPLETION_REWARD ? Direction.CREDIT : Direction.DEBIT,
            amount,
            after,
            type == TransactionType.PAYOUT ? null : UUID.randomUUID(),
            "movement " + txCounter,
            day,
            at);
    send(
        Topics.TRANSACTION_CREATED,
        account.toString(),
        envelope(TransactionCreatedV1.NAME, "accounting", t, at));
    return t;
  }

  TaskCompletedV1 completion(UUID worker, LocalDate day, long reward) {
    Instant at =
        day.atTime(9, 0)
            .toInstant(ZoneOffset.UTC)
            .plusSeconds(random.nextInt(30_000))
            .plusNanos(123_456_789);
    TaskCompletedV1 t =
        new TaskCompletedV1(
            UUID.randomUUID(),
            "Task " + (++txCounter),
            random.nextBoolean() ? null : "POP-" + txCounter,
            worker,
            reward,
            at);
    send(
        Topics.TASK_COMPLETED,
        t.taskId().toString(),
        envelope(TaskCompletedV1.NAME, "tasks", t, at));
    return t;
  }

  /**
   * The same record again, as a republished event would arrive (another offset, another eventId).
   */
  void resendTransaction(TransactionCreatedV1 t) {
    send(
        Topics.TRANSACTION_CREATED,
        t.accountId().toString(),
        envelope(TransactionCreatedV1.NAME, "accounting", t, t.createdAt()));
  }

  void resendCompletion(TaskCompletedV1 t) {
    send(
        Topics.TASK_COMPLETED,
        t.taskId().toString(),
        envelope(TaskCompletedV1.NAME, "tasks", t, t.completedAt()));
  }

  /**
   * A day whose rewards exceed its fees (a negative income): a fee of {@code fee}, then a task
   * completed for {@code reward} on the worker's ledger; its completion and reward sent twice, as
   * republished events would arrive.
   */
  TaskCompletedV1 unprofitableDay(UUID worker, LocalDate day, long fee, long reward) {
    movement(worker, TransactionType.ASSIGNMENT_FEE, fee, day);
    TaskCompletedV1 task = completion(worker, day, reward);
    TransactionCreatedV1 paid = movement(worker, TransactionType.COMPLETION_REWARD, reward, day);
    resendCompletion(task);
    resendTransaction(paid);
    return task;
  }

  void poison(String topic) {
    try {
      producer
          .send(
              new ProducerRecord<>(
                  prefix + topic, "poison", "{\"eventName\":\"TransactionCreated\"".getBytes()))
          .get();
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  long amount(long min, long max) {
    return min + (long) (random.nextDouble() * (max - min + 1));
  }

  /**
   * A realistic mix over the given days (oldest first): fees, rewards, completions, then late ones.
   */
  void scenario(List<LocalDate> days, int movementsPerDay) {
    for (LocalDate day : days) {
      for (int i = 0; i < movementsPerDay; i++) {
        UUID w = workers.get(random.nextInt(workers.size()));
        movement(w, TransactionType.ASSIGNMENT_FEE, amount(1000, 2000), day);
        if (random.nextInt(3) == 0) {
          long reward = amount(2000, 4000);
          completion(w, day, reward);
          movement(w, TransactionType.COMPLETION_REWARD, reward, day);
        }
      }
    }
  }
}
