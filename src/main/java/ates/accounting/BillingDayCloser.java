package ates.accounting;

import akka.actor.typed.ActorRef;
import akka.actor.typed.Behavior;
import akka.actor.typed.javadsl.ActorContext;
import akka.actor.typed.javadsl.Behaviors;
import akka.actor.typed.javadsl.TimerScheduler;
import akka.cluster.sharding.typed.javadsl.ClusterSharding;
import java.time.Clock;
import java.time.Duration;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletionStage;
import java.util.function.Supplier;

/**
 * The runtime half of closing a billing day: a child of the {@link BillingDay} entity that makes
 * the asks the entity must not wait on, and reports their results to it as commands. It holds
 * nothing the entity needs to recover: the entity persists every result and, after a crash or a
 * restart, starts a new closer with the accounts it has not recorded yet.
 *
 * <p>Two steps, each a behavior of its own. {@link #listCandidates} lists the accounts to close,
 * retrying until it can, reports {@link BillingDay.CandidatesFound} and stops. {@link
 * #closeAccounts} closes the day on each account it is given, at most {@link Pace#parallelism} at a
 * time, retries a failed close after {@link Pace#retryDelay} (the others go on meanwhile), reports
 * each {@link BillingDay.AccountClosed} once and stops after the last.
 */
final class BillingDayCloser {

  /** The accounts side of a close; an interface so that the entity is tested without a cluster. */
  interface Accounts {

    /** Every account that may have a balance to settle. */
    CompletionStage<List<UUID>> candidates();

    /** Closes {@code day} on one account: its payout, 0 for a carry-over. Idempotent. */
    CompletionStage<Long> closeDay(UUID accountId, LocalDate day);

    /** The accounts of a cluster: listed by the read model, each closed by its sharded entity. */
    static Accounts sharded(
        ClusterSharding sharding,
        Supplier<CompletionStage<List<UUID>>> candidates,
        Duration askTimeout,
        Clock clock) {
      return new Accounts() {
        @Override
        public CompletionStage<List<UUID>> candidates() {
          return candidates.get();
        }

        @Override
        public CompletionStage<Long> closeDay(UUID accountId, LocalDate day) {
          return sharding
              .entityRefFor(Account.ENTITY_KEY, accountId.toString())
              .askWithStatus(
                  replyTo -> new Account.CloseDay(day, clock.instant(), replyTo), askTimeout);
        }
      };
    }
  }

  /** How hard a close pushes: account closes in flight at most, and the pause before a retry. */
  record Pace(int parallelism, Duration retryDelay) {

    static Pace of(int parallelism) {
      return new Pace(parallelism, Duration.ofSeconds(1));
    }
  }

  // --- messages (local to the entity's node, never serialized) -------------------------------

  sealed interface Message {}

  private record Listed(List<UUID> accounts) implements Message {}

  private record ListingFailed(String reason) implements Message {}

  private record ListAgain() implements Message {}

  private record Done(UUID accountId, long payout) implements Message {}

  private record Failed(UUID accountId, String reason) implements Message {}

  private record Again(UUID accountId) implements Message {}

  /**
   * Where {@link #closeAccounts} stands.
   *
   * @param toAsk accounts whose close is still to be asked, in order
   * @param inFlight asks sent and not answered yet
   * @param unreported accounts not reported to the day yet (to ask, in flight, or waiting to retry)
   */
  private record Progress(List<UUID> toAsk, int inFlight, int unreported) {}

  private final LocalDate day;
  private final ActorContext<Message> context;
  private final TimerScheduler<Message> timers;
  private final Accounts accounts;
  private final Pace pace;
  private final ActorRef<BillingDay.Command> billingDay;

  private BillingDayCloser(
      LocalDate day,
      ActorContext<Message> context,
      TimerScheduler<Message> timers,
      Accounts accounts,
      Pace pace,
      ActorRef<BillingDay.Command> billingDay) {
    this.day = day;
    this.context = context;
    this.timers = timers;
    this.accounts = accounts;
    this.pace = pace;
    this.billingDay = billingDay;
  }

  private static Behavior<Message> start(
      LocalDate day,
      Accounts accounts,
      Pace pace,
      ActorRef<BillingDay.Command> billingDay,
      java.util.function.Function<BillingDayCloser, Behavior<Message>> step) {
    return Behaviors.setup(
        context ->
            Behaviors.withTimers(
                timers ->
                    step.apply(
                        new BillingDayCloser(day, context, timers, accounts, pace, billingDay))));
  }

  // --- step 1: list the accounts -------------------------------------------------------------

  /** Lists the accounts to close, retrying a failure, and reports them to {@code billingDay}. */
  static Behavior<Message> listCandidates(
      LocalDate day, Accounts accounts, Pace pace, ActorRef<BillingDay.Command> billingDay) {
    return start(day, accounts, pace, billingDay, BillingDayCloser::listing);
  }

  private Behavior<Message> listing() {
    askForCandidates();
    return Behaviors.receive(Message.class)
        .onMessage(Listed.class, this::reportCandidates)
        .onMessage(ListingFailed.class, this::listLater)
        .onMessage(ListAgain.class, msg -> askForCandidates())
        .build();
  }

  private Behavior<Message> askForCandidates() {
    context.pipeToSelf(
        accounts.candidates(),
        (found, failure) ->
            failure == null ? new Listed(found) : new ListingFailed(failure.toString()));
    return Behaviors.same();
  }

  private Behavior<Message> reportCandidates(Listed msg) {
    billingDay.tell(new BillingDay.CandidatesFound(msg.accounts()));
    return Behaviors.stopped();
  }

  private Behavior<Message> listLater(ListingFailed msg) {
    context.getLog().warn("Close of {}: cannot list accounts ({}); retrying", day, msg.reason());
    timers.startSingleTimer(new ListAgain(), pace.retryDelay());
    return Behaviors.same();
  }

  // --- step 2: close the day on each account -------------------------------------------------

  /** Closes {@code day} on each of {@code pending} and reports each to {@code billingDay}. */
  static Behavior<Message> closeAccounts(
      LocalDate day,
      List<UUID> pending,
      Accounts accounts,
      Pace pace,
      ActorRef<BillingDay.Command> billingDay) {
    if (pending.isEmpty()) return Behaviors.stopped();
    return start(
        day,
        accounts,
        pace,
        billingDay,
        closer -> closer.closing(closer.askMore(new Progress(pending, 0, pending.size()))));
  }

  private Behavior<Message> closing(Progress progress) {
    return Behaviors.receive(Message.class)
        .onMessage(Done.class, msg -> report(progress, msg))
        .onMessage(Failed.class, msg -> retryLater(progress, msg))
        .onMessage(Again.class, msg -> closing(askMore(requeue(progress, msg.accountId()))))
        .build();
  }

  private Behavior<Message> report(Progress progress, Done msg) {
    billingDay.tell(new BillingDay.AccountClosed(msg.accountId(), msg.payout()));
    Progress left =
        new Progress(progress.toAsk(), progress.inFlight() - 1, progress.unreported() - 1);
    return left.unreported() == 0 ? Behaviors.stopped() : closing(askMore(left));
  }

  private Behavior<Message> retryLater(Progress progress, Failed msg) {
    context
        .getLog()
        .warn("Close of {}: account {} failed ({}); retrying", day, msg.accountId(), msg.reason());
    timers.startSingleTimer(msg.accountId(), new Again(msg.accountId()), pace.retryDelay());
    Progress left = new Progress(progress.toAsk(), progress.inFlight() - 1, progress.unreported());
    return closing(askMore(left));
  }

  private static Progress requeue(Progress progress, UUID accountId) {
    List<UUID> toAsk = new ArrayList<>(progress.toAsk());
    toAsk.add(accountId);
    return new Progress(List.copyOf(toAsk), progress.inFlight(), progress.unreported());
  }

  /** Asks the next accounts' closes while fewer than {@code parallelism} are in flight. */
  private Progress askMore(Progress progress) {
    int free = Math.max(0, pace.parallelism() - progress.inFlight());
    int now = Math.min(free, progress.toAsk().size());
    progress.toAsk().subList(0, now).forEach(this::askToClose);
    List<UUID> rest = List.copyOf(progress.toAsk().subList(now, progress.toAsk().size()));
    return new Progress(rest, progress.inFlight() + now, progress.unreported());
  }

  private void askToClose(UUID accountId) {
    context.pipeToSelf(
        accounts.closeDay(accountId, day),
        (payout, failure) ->
            failure == null
                ? new Done(accountId, payout)
                : new Failed(accountId, failure.toString()));
  }
}
