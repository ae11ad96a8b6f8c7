package ates.accounting;

import akka.Done;
import akka.cluster.sharding.typed.javadsl.ClusterSharding;
import ates.contract.EventEnvelope;
import ates.contract.Topics;
import ates.platform.ServiceContext;
import ates.platform.db.UsersReplica;
import ates.platform.kafka.EventConsumer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * The accounting service's consumers, each on the platform's consumer block (schema validation,
 * dead letters, commit after the effect, restart with backoff):
 *
 * <ul>
 *   <li>{@code TaskAssigned} and {@code TaskCompleted}: book the fee or reward on the assignee's
 *       account, a batch of records at once with one journal write per account; the offsets are
 *       committed only after the accounts have persisted the movements, and each movement's
 *       deterministic id makes a redelivery move nothing;
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

  /**
   * Books a batch's movements with one {@link Account.BookAll} per account, in the batch's order:
   * one journal write per account instead of one per movement. Accounts are booked concurrently.
   */
  private static CompletionStage<Done> book(
      ServiceContext ctx,
      ClusterSharding sharding,
      Duration askTimeout,
      List<Movements.Booking> bookings) {
    Map<UUID, List<Account.Movement>> perAccount = new LinkedHashMap<>();
    for (Movements.Booking b : bookings) {
      perAccount.computeIfAbsent(b.accountId(), id -> new ArrayList<>()).add(b.movement());
    }
    CompletableFuture<?>[] asks =
        perAccount.entrySet().stream()
            .map(
                e ->
                    ctx.database()
                        .guard(
                            () ->
                                sharding
                                    .entityRefFor(Account.ENTITY_KEY, e.getKey().toString())
                                    .<Integer>askWithStatus(
                                        replyTo -> new Account.BookAll(e.getValue(), replyTo),
                                        askTimeout))
                        .toCompletableFuture())
            .toArray(CompletableFuture[]::new);
    return CompletableFuture.allOf(asks).thenApply(v -> Done.getInstance());
  }

  static void start(ServiceContext ctx, Movements movements) {
    ClusterSharding sharding = ClusterSharding.get(ctx.system());
    Duration askTimeout = ctx.askTimeout();
    for (String topic : new String[] {Topics.TASK_ASSIGNED, Topics.TASK_COMPLETED}) {
      EventConsumer.startGrouped(
          ctx.system(),
          ctx.kafka(),
          ctx.metrics(),
          tasksGroup(topic),
          topic,
          new EventConsumer.BatchHandler<Movements.Booking>() {
            @Override
            public Optional<Movements.Booking> read(EventEnvelope envelope) {
              return movements.of(envelope);
            }

            @Override
            public CompletionStage<Done> apply(List<Movements.Booking> bookings) {
              return book(ctx, sharding, askTimeout, bookings);
            }
          });
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
