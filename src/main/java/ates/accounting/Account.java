package ates.accounting;

import static ates.contract.Required.field;

import akka.actor.typed.ActorRef;
import akka.actor.typed.Behavior;
import akka.cluster.sharding.typed.javadsl.EntityTypeKey;
import akka.pattern.StatusReply;
import akka.persistence.typed.javadsl.CommandHandlerWithReply;
import akka.persistence.typed.javadsl.EventHandler;
import akka.persistence.typed.javadsl.ReplyEffect;
import akka.persistence.typed.javadsl.RetentionCriteria;
import ates.contract.Direction;
import ates.contract.TransactionIds;
import ates.contract.TransactionType;
import ates.platform.CborSerializable;
import ates.platform.JournaledEntity;
import ates.platform.Tags;
import com.fasterxml.jackson.databind.annotation.JsonDeserialize;
import com.fasterxml.jackson.databind.util.StdConverter;
import java.time.Instant;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;
import org.pcollections.HashTreePSet;
import org.pcollections.PSet;

/**
 * One user's ledger: a sharded, event-sourced entity per account (= user id), with snapshots. Every
 * movement has a deterministic transaction id and the entity books each id once, so a redelivered
 * or re-read event never moves money twice.
 *
 * <p>The state keeps the balance through the last closed billing day apart from the net movements
 * of later days, so closing day D pays out exactly the balance at the end of D, even when the close
 * runs after midnight or a late event for D arrives after it (then the next close settles it).
 */
public final class Account extends JournaledEntity<Account.Command, Account.Event, Account.State> {

  public static final EntityTypeKey<Command> ENTITY_KEY =
      EntityTypeKey.create(Command.class, "Account");
  public static final Tags TAGS = new Tags("accounts", 4);

  /**
   * A movement to book: what happened, with its deterministic id. Build it with {@link #builder}:
   * the direction is the type's (kept in the record because the journal holds it), and the id and
   * the description name their fields.
   */
  public record Movement(
      String transactionId,
      TransactionType type,
      Direction direction,
      long amount,
      UUID taskId,
      String description,
      LocalDate billingDate,
      Instant createdAt)
      implements CborSerializable {

    public Movement {
      if (direction != type.direction()) {
        throw new IllegalArgumentException(type + " moves money as " + type.direction());
      }
    }

    /** A movement of {@code type}, in the direction of its type. */
    public static Builder builder(TransactionType type) {
      return new Builder(type);
    }

    /** Every field by name; {@code taskId} may stay null (a payout), the others are required. */
    public static final class Builder {
      private final TransactionType type;
      private String transactionId;
      private Long amount;
      private UUID taskId;
      private String description;
      private LocalDate billingDate;
      private Instant createdAt;

      private Builder(TransactionType type) {
        this.type = field(type, "type");
      }

      public Builder transactionId(String value) {
        transactionId = value;
        return this;
      }

      public Builder amount(long value) {
        amount = value;
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

      public Movement build() {
        return new Movement(
            field(transactionId, "transactionId"),
            type,
            type.direction(),
            field(amount, "amount"),
            taskId,
            field(description, "description"),
            field(billingDate, "billingDate"),
            field(createdAt, "createdAt"));
      }
    }

    long signed() {
      return direction.signed(amount);
    }
  }

  // --- commands -------------------------------------------------------------------------------

  public sealed interface Command extends CborSerializable {}

  /** Books a fee or a reward; answers whether it was new (false: already booked, nothing moved). */
  public record Book(Movement movement, ActorRef<StatusReply<Boolean>> replyTo)
      implements Command {}

  /**
   * Books several movements in one journal write, in their order; answers how many were new (ids
   * already booked, or repeated in the list, move nothing).
   */
  public record BookAll(List<Movement> movements, ActorRef<StatusReply<Integer>> replyTo)
      implements Command {}

  /**
   * Closes billing day {@code date} for this account: pays out a positive end-of-day balance (a
   * payout debit to zero for that day) or carries a negative one over. Idempotent: closing the same
   * day again answers the same amount and moves nothing.
   */
  public record CloseDay(LocalDate date, Instant at, ActorRef<StatusReply<Long>> replyTo)
      implements Command {}

  public record GetBalance(ActorRef<StatusReply<Long>> replyTo) implements Command {}

  // --- events ---------------------------------------------------------------------------------

  public sealed interface Event extends CborSerializable {
    UUID accountId();
  }

  /** One ledger movement; each is published as one {@code TransactionCreated}. */
  public record Moved(UUID accountId, Movement movement, long balanceAfter) implements Event {}

  /** Day closed for this account; {@code payout} is 0 when nothing was paid (a carry-over). */
  public record DayClosed(UUID accountId, LocalDate date, long payout) implements Event {}

  // --- state ----------------------------------------------------------------------------------

  /**
   * @param settled balance through {@code lastClosed} (after its payout)
   * @param unsettled net movement per billing day not yet settled by a close
   * @param payouts what each closed day paid (for idempotent closes)
   * @param transactionIds every movement booked: a persistent set, so booking one more shares the
   *     rest instead of copying it
   */
  public record State(
      long balance,
      long settled,
      TreeMap<LocalDate, Long> unsettled,
      TreeMap<LocalDate, Long> payouts,
      @JsonDeserialize(converter = ToPSet.class) PSet<String> transactionIds)
      implements CborSerializable {

    static State empty() {
      return new State(0, 0, new TreeMap<>(), new TreeMap<>(), HashTreePSet.empty());
    }

    boolean holds(String transactionId) {
      return transactionIds.contains(transactionId);
    }

    /** Balance at the end of {@code date}: settled plus the unsettled days up to it. */
    long endOfDayBalance(LocalDate date) {
      long sum = settled;
      for (Map.Entry<LocalDate, Long> e : unsettled.headMap(date, true).entrySet())
        sum += e.getValue();
      return sum;
    }

    State apply(Event event) {
      if (event instanceof Moved m) {
        PSet<String> ids = transactionIds.plus(m.movement().transactionId());
        TreeMap<LocalDate, Long> days = new TreeMap<>(unsettled);
        // a payout is a debit of its day too: the DayClosed that follows it settles that day at 0
        days.merge(m.movement().billingDate(), m.movement().signed(), Long::sum);
        return new State(m.balanceAfter(), settled, days, payouts, ids);
      }
      DayClosed c = (DayClosed) event;
      long through = endOfDayBalance(c.date());
      TreeMap<LocalDate, Long> days = new TreeMap<>(unsettled.tailMap(c.date(), false));
      TreeMap<LocalDate, Long> paid = new TreeMap<>(payouts);
      paid.put(c.date(), c.payout());
      return new State(balance, through, days, paid, transactionIds);
    }
  }

  /** Reads the set of transaction ids back from its serialized list. */
  static final class ToPSet extends StdConverter<List<String>, PSet<String>> {
    @Override
    public PSet<String> convert(List<String> ids) {
      return HashTreePSet.from(ids);
    }
  }

  // --- behavior -------------------------------------------------------------------------------

  private final UUID accountId;

  public static Behavior<Command> create(String entityId, Journal journal) {
    return new Account(entityId, journal);
  }

  private Account(String entityId, Journal journal) {
    super(ENTITY_KEY, entityId, journal, TAGS, true);
    this.accountId = UUID.fromString(entityId);
  }

  @Override
  public State emptyState() {
    return State.empty();
  }

  @Override
  public RetentionCriteria retentionCriteria() {
    return RetentionCriteria.snapshotEvery(100, 2);
  }

  @Override
  public CommandHandlerWithReply<Command, Event, State> commandHandler() {
    return newCommandHandlerWithReplyBuilder()
        .forAnyState()
        .onCommand(Book.class, this::book)
        .onCommand(BookAll.class, this::bookAll)
        .onCommand(CloseDay.class, this::closeDay)
        .onCommand(
            GetBalance.class,
            (state, cmd) -> Effect().reply(cmd.replyTo(), StatusReply.success(state.balance())))
        .build();
  }

  private ReplyEffect<Event, State> book(State state, Book cmd) {
    Movement m = cmd.movement();
    if (state.holds(m.transactionId())) {
      return Effect().reply(cmd.replyTo(), StatusReply.success(false));
    }
    return Effect()
        .persist(new Moved(accountId, m, state.balance() + m.signed()))
        .thenReply(cmd.replyTo(), s -> StatusReply.success(true));
  }

  private ReplyEffect<Event, State> bookAll(State state, BookAll cmd) {
    List<Event> moved = new ArrayList<>();
    Set<String> ids = new HashSet<>();
    long balance = state.balance();
    for (Movement m : cmd.movements()) {
      if (state.holds(m.transactionId()) || !ids.add(m.transactionId())) continue;
      balance += m.signed();
      moved.add(new Moved(accountId, m, balance));
    }
    int booked = moved.size();
    if (booked == 0) return Effect().reply(cmd.replyTo(), StatusReply.success(0));
    return Effect().persist(moved).thenReply(cmd.replyTo(), s -> StatusReply.success(booked));
  }

  private ReplyEffect<Event, State> closeDay(State state, CloseDay cmd) {
    Long paid = state.payouts().get(cmd.date());
    if (paid != null) return Effect().reply(cmd.replyTo(), StatusReply.success(paid));
    long endOfDay = state.endOfDayBalance(cmd.date());
    if (endOfDay <= 0) {
      return Effect()
          .persist(new DayClosed(accountId, cmd.date(), 0))
          .thenReply(cmd.replyTo(), s -> StatusReply.success(0L));
    }
    Movement payout =
        Movement.builder(TransactionType.PAYOUT)
            .transactionId(TransactionIds.payout(accountId, cmd.date()))
            .amount(endOfDay)
            .description("Payout for " + cmd.date())
            .billingDate(cmd.date())
            .createdAt(cmd.at())
            .build();
    return Effect()
        .persist(
            List.of(
                new Moved(accountId, payout, state.balance() - endOfDay),
                new DayClosed(accountId, cmd.date(), endOfDay)))
        .thenReply(cmd.replyTo(), s -> StatusReply.success(endOfDay));
  }

  @Override
  public EventHandler<State, Event> eventHandler() {
    return newEventHandlerBuilder().forAnyState().onAnyEvent(State::apply);
  }
}
