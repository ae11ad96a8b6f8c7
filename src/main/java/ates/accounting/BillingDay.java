package ates.accounting;

import akka.actor.typed.ActorRef;
import akka.actor.typed.Behavior;
import akka.actor.typed.javadsl.ActorContext;
import akka.actor.typed.javadsl.Behaviors;
import akka.actor.typed.javadsl.TimerScheduler;
import akka.cluster.sharding.typed.javadsl.ClusterSharding;
import akka.cluster.sharding.typed.javadsl.EntityTypeKey;
import akka.pattern.StatusReply;
import akka.persistence.typed.RecoveryCompleted;
import akka.persistence.typed.javadsl.CommandHandlerWithReply;
import akka.persistence.typed.javadsl.CommandHandlerWithReplyBuilder;
import akka.persistence.typed.javadsl.EventHandler;
import akka.persistence.typed.javadsl.SignalHandler;
import ates.platform.CborSerializable;
import ates.platform.JournaledEntity;
import java.time.Clock;
import java.time.Duration;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.CompletionStage;
import java.util.function.Supplier;

/**
 * The close of one billing day: a sharded, event-sourced entity per date, so the day is closed
 * exactly once whichever and however many nodes ask. Closing lists the accounts, then closes the
 * day on each account (a payout of a positive end-of-day balance, or a carry-over), recording each
 * as it is done; a crash in the middle resumes with the accounts not yet recorded when the entity
 * recovers. Each account's close is idempotent, so an account asked twice is never paid twice.
 * Closing a closed day answers the same payouts.
 */
public final class BillingDay
    extends JournaledEntity<BillingDay.Command, BillingDay.Event, BillingDay.State> {

  public static final EntityTypeKey<Command> ENTITY_KEY =
      EntityTypeKey.create(Command.class, "BillingDay");
  /** Every billing-day event carries the one tag of these, for the {@code billing_runs} read model. */
  public static final ates.platform.Tags TAGS = new ates.platform.Tags("billing-days", 1);

  /** One worker's payout of the day. */
  public record Payout(UUID userId, long amount) implements CborSerializable {}

  public record Result(LocalDate date, List<Payout> payouts) implements CborSerializable {}

  // --- commands -------------------------------------------------------------------------------

  public sealed interface Command extends CborSerializable {}

  public record Close(ActorRef<StatusReply<Result>> replyTo) implements Command {}

  record CandidatesFound(List<UUID> accounts) implements Command {}

  record CandidatesFailed(String reason) implements Command {}

  record AccountClosed(UUID accountId, long payout) implements Command {}

  record AccountFailed(UUID accountId, String reason) implements Command {}

  record Retry(UUID accountId) implements Command {}

  record RetryCandidates() implements Command {}

  // --- events ---------------------------------------------------------------------------------

  public sealed interface Event extends CborSerializable {}

  public record Started(LocalDate date, List<UUID> accounts) implements Event {}

  public record AccountSettled(LocalDate date, UUID accountId, long payout) implements Event {}

  public record Finished(LocalDate date) implements Event {}

  // --- state ----------------------------------------------------------------------------------

  public sealed interface State extends CborSerializable {}

  public enum NotStarted implements State {
    INSTANCE
  }

  public record Running(List<UUID> accounts, TreeMap<UUID, Long> settled) implements State {
    List<UUID> pending() {
      return accounts.stream().filter(a -> !settled.containsKey(a)).toList();
    }
  }

  public record Closed(TreeMap<UUID, Long> settled) implements State {}

  // --- behavior -------------------------------------------------------------------------------

  private static final Duration RETRY_DELAY = Duration.ofSeconds(1);

  private final LocalDate date;
  private final ActorContext<Command> context;
  private final TimerScheduler<Command> timers;
  private final ClusterSharding sharding;
  private final Supplier<CompletionStage<List<UUID>>> candidates;
  private final Duration askTimeout;
  private final int parallelism;
  private final Clock clock;
  /** Who asked while the day was closing; answered when it is closed (not persisted: asks time out). */
  private final List<ActorRef<StatusReply<Result>>> waiting = new ArrayList<>();
  private boolean listing;
  private final java.util.Set<UUID> inFlight = new java.util.HashSet<>();

  public static Behavior<Command> create(
      String entityId,
      Supplier<CompletionStage<List<UUID>>> candidates,
      Duration askTimeout,
      int parallelism,
      Clock clock,
      Journal journal) {
    return Behaviors.setup(
        context ->
            Behaviors.withTimers(
                timers ->
                    new BillingDay(entityId, context, timers, candidates, askTimeout, parallelism,
                        clock, journal)));
  }

  private BillingDay(
      String entityId,
      ActorContext<Command> context,
      TimerScheduler<Command> timers,
      Supplier<CompletionStage<List<UUID>>> candidates,
      Duration askTimeout,
      int parallelism,
      Clock clock,
      Journal journal) {
    super(ENTITY_KEY, entityId, journal, TAGS, true);
    this.date = LocalDate.parse(entityId);
    this.context = context;
    this.timers = timers;
    this.sharding = ClusterSharding.get(context.getSystem());
    this.candidates = candidates;
    this.askTimeout = askTimeout;
    this.parallelism = parallelism;
    this.clock = clock;
  }

  @Override
  public State emptyState() {
    return NotStarted.INSTANCE;
  }


  @Override
  public SignalHandler<State> signalHandler() {
    return newSignalHandlerBuilder()
        .onSignal(
            RecoveryCompleted.instance(),
            state -> {
              if (state instanceof Running running) {
                context.getLog().info("Resuming the close of {}: {} accounts left", date, running.pending().size());
                closeAccounts(running);
              }
            })
        .build();
  }

  @Override
  public CommandHandlerWithReply<Command, Event, State> commandHandler() {
    CommandHandlerWithReplyBuilder<Command, Event, State> builder = newCommandHandlerWithReplyBuilder();

    builder
        .forStateType(NotStarted.class)
        .onCommand(Close.class, (state, cmd) -> {
          waiting.add(cmd.replyTo());
          listCandidates();
          return Effect().noReply();
        })
        .onCommand(RetryCandidates.class, (state, cmd) -> {
          listCandidates();
          return Effect().noReply();
        })
        .onCommand(CandidatesFound.class, (state, cmd) ->
            Effect()
                .persist(cmd.accounts().isEmpty()
                    ? List.of(new Started(date, cmd.accounts()), new Finished(date))
                    : List.of(new Started(date, cmd.accounts())))
                .thenRun(this::afterChange)
                .thenNoReply())
        .onCommand(CandidatesFailed.class, (state, cmd) -> {
          listing = false;
          context.getLog().warn("Close of {}: cannot list accounts ({}); retrying", date, cmd.reason());
          timers.startSingleTimer(new RetryCandidates(), RETRY_DELAY);
          return Effect().noReply();
        });

    builder
        .forStateType(Running.class)
        .onCommand(Close.class, (state, cmd) -> {
          waiting.add(cmd.replyTo());
          return Effect().noReply();
        })
        .onCommand(AccountClosed.class, (state, cmd) -> {
          inFlight.remove(cmd.accountId());
          if (state.settled().containsKey(cmd.accountId())) {
            closeAccounts(state);
            return Effect().noReply();
          }
          boolean last = state.pending().size() == 1;
          AccountSettled settled = new AccountSettled(date, cmd.accountId(), cmd.payout());
          return Effect()
              .persist(last ? List.of(settled, new Finished(date)) : List.of(settled))
              .thenRun(this::afterChange)
              .thenNoReply();
        })
        .onCommand(AccountFailed.class, (state, cmd) -> {
          inFlight.remove(cmd.accountId());
          context.getLog().warn("Close of {}: account {} failed ({}); retrying", date, cmd.accountId(), cmd.reason());
          timers.startSingleTimer(cmd.accountId(), new Retry(cmd.accountId()), RETRY_DELAY);
          return Effect().noReply();
        })
        .onCommand(Retry.class, (state, cmd) -> {
          closeAccounts(state);
          return Effect().noReply();
        });

    builder
        .forStateType(Closed.class)
        .onCommand(Close.class, (state, cmd) -> Effect().reply(cmd.replyTo(), StatusReply.success(result(state))))
        .onCommand(AccountClosed.class, (state, cmd) -> Effect().noReply())
        .onCommand(AccountFailed.class, (state, cmd) -> Effect().noReply())
        .onCommand(Retry.class, (state, cmd) -> Effect().noReply())
        .onCommand(CandidatesFound.class, (state, cmd) -> Effect().noReply());

    builder
        .forAnyState()
        .onCommand(CandidatesFound.class, (state, cmd) -> Effect().noReply())
        .onCommand(CandidatesFailed.class, (state, cmd) -> Effect().noReply())
        .onCommand(RetryCandidates.class, (state, cmd) -> Effect().noReply());

    return builder.build();
  }

  private void listCandidates() {
    if (listing) return;
    listing = true;
    context.pipeToSelf(
        candidates.get(),
        (accounts, failure) ->
            failure == null ? new CandidatesFound(accounts) : new CandidatesFailed(failure.toString()));
  }

  /** After each persisted change: keep closing accounts, or answer everyone once closed. */
  private void afterChange(State state) {
    if (state instanceof Running running) {
      closeAccounts(running);
    } else if (state instanceof Closed closed) {
      Result result = result(closed);
      context.getLog().info("Closed billing day {}: {} payouts", date, result.payouts().size());
      waiting.forEach(r -> r.tell(StatusReply.success(result)));
      waiting.clear();
    }
  }

  /** Keeps at most {@code parallelism} account closes in flight; failed ones wait for their retry timer. */
  private void closeAccounts(Running running) {
    for (UUID account : running.pending()) {
      if (inFlight.size() >= parallelism) return;
      if (inFlight.contains(account) || timers.isTimerActive(account)) continue;
      inFlight.add(account);
      context.pipeToSelf(
          sharding
              .entityRefFor(Account.ENTITY_KEY, account.toString())
              .<Long>askWithStatus(replyTo -> new Account.CloseDay(date, clock.instant(), replyTo), askTimeout),
          (payout, failure) ->
              failure == null
                  ? new AccountClosed(account, payout)
                  : new AccountFailed(account, failure.toString()));
    }
  }

  private Result result(Closed closed) {
    List<Payout> payouts = new ArrayList<>();
    for (Map.Entry<UUID, Long> e : closed.settled().entrySet()) {
      if (e.getValue() > 0) payouts.add(new Payout(e.getKey(), e.getValue()));
    }
    return new Result(date, payouts);
  }

  @Override
  public EventHandler<State, Event> eventHandler() {
    var builder = newEventHandlerBuilder();
    builder
        .forStateType(NotStarted.class)
        .onEvent(Started.class, (state, e) -> new Running(List.copyOf(e.accounts()), new TreeMap<>()));
    builder
        .forStateType(Running.class)
        .onEvent(AccountSettled.class, (state, e) -> {
          TreeMap<UUID, Long> settled = new TreeMap<>(state.settled());
          settled.put(e.accountId(), e.payout());
          return new Running(state.accounts(), settled);
        })
        .onEvent(Finished.class, (state, e) -> new Closed(state.settled()));
    return builder.build();
  }
}
