package ates.accounting;

import akka.Done;
import akka.cluster.sharding.typed.javadsl.ClusterSharding;
import ates.contract.EventEnvelope;
import ates.contract.EventJson;
import ates.contract.Topics;
import ates.contract.events.UserRegisteredV1;
import ates.contract.events.UserRoleChangedV1;
import ates.platform.ServiceContext;
import ates.platform.kafka.EventConsumer;
import java.sql.PreparedStatement;
import java.sql.Timestamp;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * The accounting service's consumers, each on the platform's consumer block (schema validation,
 * dead letters, commit after the effect, restart with backoff):
 *
 * <ul>
 *   <li>{@code TaskAssigned} and {@code TaskCompleted}: book the fee or reward on the assignee's
 *       account; the offset is committed only after the account has persisted the movement, and
 *       the movement's deterministic id makes a redelivery move nothing;
 *   <li>{@code Users}: the service's replica of users (email addresses for payout mails, workers
 *       for the billing run), an upsert that never lets an older event win.
 * </ul>
 *
 * <p>No order between topics is assumed: a movement for an account the service has not heard of
 * is booked all the same.
 */
final class AccountingConsumers {

  /** One consumer group per task topic: {@code accounting-TaskAssigned}, {@code accounting-TaskCompleted}. */
  static String tasksGroup(String topic) {
    return "accounting-" + topic;
  }

  static final String USERS_GROUP = "accounting-users";

  private AccountingConsumers() {}

  static void start(ServiceContext ctx, Movements movements) {
    ClusterSharding sharding = ClusterSharding.get(ctx.system());
    Duration askTimeout = ctx.askTimeout();
    for (String topic : new String[] {Topics.TASK_ASSIGNED, Topics.TASK_COMPLETED}) {
      EventConsumer.start(
          ctx.system(),
          ctx.kafka(),
          ctx.metrics(),
          tasksGroup(topic),
          topic,
          envelope ->
              movements
                  .of(envelope)
                  .map(
                      booking ->
                          sharding
                              .entityRefFor(Account.ENTITY_KEY, booking.accountId().toString())
                              .<Boolean>askWithStatus(
                                  replyTo -> new Account.Book(booking.movement(), replyTo), askTimeout)
                              .thenApply(booked -> Done.getInstance()))
                  .orElse(CompletableFuture.completedFuture(Done.getInstance())));
    }
    EventConsumer.start(
        ctx.system(), ctx.kafka(), ctx.metrics(), USERS_GROUP, Topics.USERS, envelope -> user(ctx, envelope));
  }

  private static CompletionStage<Done> user(ServiceContext ctx, EventEnvelope envelope) {
    switch (envelope.eventName()) {
      case UserRegisteredV1.NAME -> {
        UserRegisteredV1 e = EventJson.dataAs(envelope, UserRegisteredV1.class);
        return ctx.database()
            .query(
                c -> {
                  try (PreparedStatement ps =
                      c.prepareStatement(
                          "INSERT INTO known_users (user_id, login, full_name, email, role, changed_at)"
                              + " VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (user_id) DO UPDATE SET"
                              + " login = EXCLUDED.login, full_name = EXCLUDED.full_name, email = EXCLUDED.email")) {
                    ps.setObject(1, e.userId());
                    ps.setString(2, e.login());
                    ps.setString(3, e.fullName());
                    ps.setString(4, e.email());
                    ps.setString(5, e.role().wireName());
                    ps.setTimestamp(6, Timestamp.from(e.registeredAt()));
                    return ps.executeUpdate();
                  }
                })
            .thenApply(n -> Done.getInstance());
      }
      case UserRoleChangedV1.NAME -> {
        UserRoleChangedV1 e = EventJson.dataAs(envelope, UserRoleChangedV1.class);
        return ctx.database()
            .query(
                c -> {
                  try (PreparedStatement ps =
                      c.prepareStatement(
                          "UPDATE known_users SET role = ?, changed_at = ? WHERE user_id = ? AND changed_at <= ?")) {
                    ps.setString(1, e.role().wireName());
                    ps.setTimestamp(2, Timestamp.from(e.changedAt()));
                    ps.setObject(3, e.userId());
                    ps.setTimestamp(4, Timestamp.from(e.changedAt()));
                    return ps.executeUpdate();
                  }
                })
            .thenApply(n -> Done.getInstance());
      }
      default -> {
        return CompletableFuture.completedFuture(Done.getInstance());
      }
    }
  }
}
