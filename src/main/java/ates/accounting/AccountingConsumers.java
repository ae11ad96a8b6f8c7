package ates.accounting;

import akka.Done;
import akka.cluster.sharding.typed.javadsl.ClusterSharding;
import ates.contract.Topics;
import ates.platform.ServiceContext;
import ates.platform.db.UsersReplica;
import ates.platform.kafka.EventConsumer;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;

/**
 * The accounting service's consumers, each on the platform's consumer block (schema validation,
 * dead letters, commit after the effect, restart with backoff):
 *
 * <ul>
 *   <li>{@code TaskAssigned} and {@code TaskCompleted}: book the fee or reward on the assignee's
 *       account; the offset is committed only after the account has persisted the movement, and the
 *       movement's deterministic id makes a redelivery move nothing;
 *   <li>{@code Users}: the service's replica of users (email addresses for payout mails, workers
 *       for the billing run), kept by the one rule of {@link UsersReplica}.
 * </ul>
 *
 * <p>No order between topics is assumed: a movement for an account the service has not heard of is
 * booked all the same.
 */
final class AccountingConsumers {

  /**
   * One consumer group per task topic: {@code accounting-TaskAssigned}, {@code
   * accounting-TaskCompleted}.
   */
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
                          ctx.database()
                              .guard(
                                  () ->
                                      sharding
                                          .entityRefFor(
                                              Account.ENTITY_KEY, booking.accountId().toString())
                                          .<Boolean>askWithStatus(
                                              replyTo ->
                                                  new Account.Book(booking.movement(), replyTo),
                                              askTimeout))
                              .thenApply(booked -> Done.getInstance()))
                  .orElse(CompletableFuture.completedFuture(Done.getInstance())));
    }
    EventConsumer.start(
        ctx.system(),
        ctx.kafka(),
        ctx.metrics(),
        USERS_GROUP,
        Topics.USERS,
        envelope ->
            UsersReplica.apply(ctx.database(), envelope).thenApply(c -> Done.getInstance()));
  }
}
