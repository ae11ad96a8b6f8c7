package ates.accounting;

import akka.actor.typed.ActorRef;
import akka.actor.typed.Behavior;
import akka.actor.typed.javadsl.ActorContext;
import akka.actor.typed.javadsl.Behaviors;
import akka.cluster.sharding.typed.javadsl.EntityTypeKey;
import akka.pattern.StatusReply;
import akka.persistence.typed.RecoveryCompleted;
import akka.persistence.typed.javadsl.CommandHandlerWithReply;
import akka.persistence.typed.javadsl.CommandHandlerWithReplyBuilder;
import akka.persistence.typed.javadsl.EventHandler;
import akka.persistence.typed.javadsl.ReplyEffect;
import akka.persistence.typed.javadsl.SignalHandler;
import ates.platform.CborSerializable;
import ates.platform.JournaledEntity;
import ates.platform.Tags;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;

/**
 * The close of one billing day: a sharded, event-sourced entity per date, so the day is closed
 * exactly once whichever and however many nodes ask. Closing lists the accounts, then closes the
 * day on each account (a payout of a positive end-of-day balance, or a carry-over), recording each
 * as it is done; a crash in the middle resumes with the accounts not yet recorded when the entity
 * recovers. Each account's close is idempotent, so an account asked twice is never paid twice.
 * Closing a closed day answers the same payouts.
 *
 * <p>The progress of a close is all in the events and the state: {@link NotStarted}, then {@link
 * Closing} (the accounts listed, and each one's payout once recorded), then {@link Closed}. What
 * cannot be persisted is kept out of this class: the asks (listing the accounts, closing each) are
 * made by a child, {@link BillingDayCloser}, that reports results back as commands and is started
 * again on recovery with the accounts not recorded yet; and whoever asks for the close while it
 * runs waits in the behavior's stash ({@code Effect().stash()}), to be answered when the day is
 * closed. The stash is lost with the actor, as is any ask's reply-to: such an ask times out and
 * asking again answers. Whether the listing child runs is the only other runtime fact, and the
 * actor's children say it.
 */
public final class BillingDay
    extends JournaledEntity<BillingDay.Command, BillingDay.Event, BillingDay.State> {

  public static final EntityTypeKey<Command> ENTITY_KEY =
      EntityTypeKey.create(Command.class, "BillingDay");

  /** Every billing-day event carries the one tag of these, for the {@code billing_runs} model. */
  public static final Tags TAGS = new Tags("billing-days", 1);

  /** One worker's payout of the day. */
  public record Payout(UUID userId, long amount) implements CborSerializable {}

  public record Result(LocalDate date, List<Payout> payouts) implements CborSerializable {}

  // --- commands -------------------------------------------------------------------------------

  public sealed interface Command extends CborSerializable {}

  /** Closes the day, or answers its payouts if it is closed. */
  public record Close(ActorRef<StatusReply<Result>> replyTo) implements Command {}

  /** From the {@link BillingDayCloser}: the accounts to close. */
  record CandidatesFound(List<UUID> accounts) implements Command {}

  /** From the {@link BillingDayCloser}: the day is closed on an account, paying {@code payout}. */
  record AccountClosed(UUID accountId, long payout) implements Command {}

  // --- events (in journals: keep them readable) -----------------------------------------------

  public sealed interface Event extends CborSerializable {}

  /** The close began with these accounts. */
  public record Started(LocalDate date, List<UUID> accounts) implements Event {}

  /** The day is closed on one account; {@code payout} is 0 for a carry-over. */
  public record AccountSettled(LocalDate date, UUID accountId, long payout) implements Event {}

  /** Every account is settled. */
  public record Finished(LocalDate date) implements Event {}

  // --- state ----------------------------------------------------------------------------------

  /** Never snapshotted: recovered from the events, the one place it changes is {@link #apply}. */
  public sealed interface State extends CborSerializable {

    State apply(Event event);
  }

  private static IllegalStateException unexpected(State state, Event event) {
    return new IllegalStateException(event + " in state " + state);
  }

  /** Nobody asked for the close yet, or the accounts are being listed. */
  public enum NotStarted implements State {
    INSTANCE;

    @Override
    public State apply(Event event) {
      if (event instanceof Started s) {
        return new Closing(List.copyOf(s.accounts()), new TreeMap<>());
      }
      throw unexpected(this, event);
    }
  }

  /**
   * Closing the listed accounts.
   *
   * @param settled each recorded account's payout
   */
  public record Closing(List<UUID> accounts, TreeMap<UUID, Long> settled) implements State {

    /** The accounts whose close is not recorded yet. */
    List<UUID> pending() {
      return accounts.stream().filter(a -> !settled.containsKey(a)).toList();
    }

    boolean awaits(UUID accountId) {
      return accounts.contains(accountId) && !settled.containsKey(accountId);
    }

    boolean onlyAwaits(UUID accountId) {
      return awaits(accountId) && settled.size() == accounts.size() - 1;
    }

    @Override
    public State apply(Event event) {
      if (event instanceof AccountSettled s) {
        TreeMap<UUID, Long> more = new TreeMap<>(settled);
        more.put(s.accountId(), s.payout());
        return new Closing(accounts, more);
      }
      if (event instanceof Finished) return new Closed(settled);
      throw unexpected(this, event);
    }
  }

  /** Closed: each account's payout, 0 for a carry-over. */
  public record Closed(TreeMap<UUID, Long> settled) implements State {

    Result result(LocalDate date) {
      List<Payout> payouts = new ArrayList<>();
      for (Map.Entry<UUID, Long> e : settled.entrySet()) {
        if (e.getValue() > 0) payouts.add(new Payout(e.getKey(), e.getValue()));
      }
      return new Result(date, payouts);
    }

    @Override
    public State apply(Event event) {
      throw unexpected(this, event);
    }
  }

  // --- behavior -------------------------------------------------------------------------------

  private static final String LISTER = "list-candidates";
  private static final String CLOSER = "close-accounts";

  private final LocalDate date;
  private final ActorContext<Command> context;
  private final BillingDayCloser.Accounts accounts;
  private final BillingDayCloser.Pace pace;

  public static Behavior<Command> create(
      String entityId,
      BillingDayCloser.Accounts accounts,
      BillingDayCloser.Pace pace,
      Journal journal) {
    return Behaviors.setup(context -> new BillingDay(entityId, context, accounts, pace, journal));
  }

  private BillingDay(
      String entityId,
      ActorContext<Command> context,
      BillingDayCloser.Accounts accounts,
      BillingDayCloser.Pace pace,
      Journal journal) {
    super(ENTITY_KEY, entityId, journal, TAGS, true);
    this.date = LocalDate.parse(entityId);
    this.context = context;
    this.accounts = accounts;
    this.pace = pace;
  }

  @Override
  public State emptyState() {
    return NotStarted.INSTANCE;
  }

  @Override
  public SignalHandler<State> signalHandler() {
    return newSignalHandlerBuilder()
        .onSignal(RecoveryCompleted.instance(), this::resumeIfClosing)
        .build();
  }

  @Override
  public CommandHandlerWithReply<Command, Event, State> commandHandler() {
    CommandHandlerWithReplyBuilder<Command, Event, State> builder =
        newCommandHandlerWithReplyBuilder();
    builder
        .forStateType(NotStarted.class)
        .onCommand(Close.class, this::listAndWait)
        .onCommand(CandidatesFound.class, this::start);
    builder
        .forStateType(Closing.class)
        .onCommand(Close.class, this::waitUntilClosed)
        .onCommand(AccountClosed.class, this::record)
        .onCommand(CandidatesFound.class, this::ignore);
    builder
        .forStateType(Closed.class)
        .onCommand(Close.class, this::answer)
        .onCommand(AccountClosed.class, this::ignore)
        .onCommand(CandidatesFound.class, this::ignore);
    return builder.build();
  }

  @Override
  public EventHandler<State, Event> eventHandler() {
    return newEventHandlerBuilder().forAnyState().onAnyEvent(State::apply);
  }

  // --- command handlers -----------------------------------------------------------------------

  /** The first ask lists the accounts; every ask waits until the day is closed. */
  private ReplyEffect<Event, State> listAndWait(NotStarted state, Close cmd) {
    if (context.getChild(LISTER).isEmpty()) {
      context.spawn(
          BillingDayCloser.listCandidates(date, accounts, pace, context.getSelf()), LISTER);
    }
    return Effect().stash();
  }

  private ReplyEffect<Event, State> start(NotStarted state, CandidatesFound cmd) {
    Started started = new Started(date, List.copyOf(cmd.accounts()));
    if (cmd.accounts().isEmpty()) return finish(List.of(started, new Finished(date)));
    return Effect().persist(started).thenRun(this::closeAccounts).thenNoReply();
  }

  private ReplyEffect<Event, State> waitUntilClosed(Closing state, Close cmd) {
    return Effect().stash();
  }

  /** Records an account's close once; the last one closes the day. */
  private ReplyEffect<Event, State> record(Closing state, AccountClosed cmd) {
    if (!state.awaits(cmd.accountId())) return Effect().noReply();
    AccountSettled settled = new AccountSettled(date, cmd.accountId(), cmd.payout());
    if (state.onlyAwaits(cmd.accountId())) return finish(List.of(settled, new Finished(date)));
    return Effect().persist(settled).thenNoReply();
  }

  /** Persists the last events, then answers every ask that waited. */
  private ReplyEffect<Event, State> finish(List<Event> events) {
    return Effect().persist(events).thenRun(this::logClosed).thenNoReply().thenUnstashAll();
  }

  private ReplyEffect<Event, State> answer(Closed state, Close cmd) {
    return Effect().reply(cmd.replyTo(), StatusReply.success(state.result(date)));
  }

  /** A late or repeated report of the closer, already settled. */
  private ReplyEffect<Event, State> ignore(State state, Command cmd) {
    return Effect().noReply();
  }

  // --- side effects ---------------------------------------------------------------------------

  private void resumeIfClosing(State state) {
    if (state instanceof Closing closing) {
      context
          .getLog()
          .info("Resuming the close of {}: {} accounts left", date, closing.pending().size());
      closeAccounts(closing);
    }
  }

  private void closeAccounts(Closing closing) {
    context.spawn(
        BillingDayCloser.closeAccounts(date, closing.pending(), accounts, pace, context.getSelf()),
        CLOSER);
  }

  private void logClosed(Closed closed) {
    context
        .getLog()
        .info("Closed billing day {}: {} payouts", date, closed.result(date).payouts().size());
  }
}
