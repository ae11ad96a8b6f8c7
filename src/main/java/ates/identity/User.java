package ates.identity;

import akka.actor.typed.ActorRef;
import akka.actor.typed.Behavior;
import akka.cluster.sharding.typed.javadsl.EntityTypeKey;
import akka.pattern.StatusReply;
import akka.persistence.typed.javadsl.CommandHandlerWithReply;
import akka.persistence.typed.javadsl.CommandHandlerWithReplyBuilder;
import akka.persistence.typed.javadsl.EventHandler;
import akka.persistence.typed.javadsl.ReplyEffect;
import ates.contract.Role;
import ates.platform.CborSerializable;
import ates.platform.EntityError;
import ates.platform.JournaledEntity;
import ates.platform.Tags;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.util.Locale;
import java.util.UUID;

/**
 * A user of aTES: one sharded, event-sourced entity per user id. The user id is derived from the
 * login ({@link #idForLogin}), so a login can belong to one user only: registering a login twice
 * reaches the same entity, which answers 409.
 */
public final class User extends JournaledEntity<User.Command, User.Event, User.State> {

  public static final EntityTypeKey<Command> ENTITY_KEY =
      EntityTypeKey.create(Command.class, "User");
  public static final Tags TAGS = new Tags("users", 2);

  // --- commands -------------------------------------------------------------------------------

  public sealed interface Command extends CborSerializable {}

  /**
   * Registers the login. With a {@code requestKey} (the caller's Idempotency-Key), registering a
   * user this key registered answers that user again; without one, or for a user registered
   * otherwise, it is a conflict.
   */
  public record Register(
      String login,
      String passwordHash,
      String fullName,
      String email,
      Role role,
      RequestKey requestKey,
      ActorRef<StatusReply<Profile>> replyTo)
      implements Command {

    /** A registration without an Idempotency-Key. */
    public Register(
        String login,
        String passwordHash,
        String fullName,
        String email,
        Role role,
        ActorRef<StatusReply<Profile>> replyTo) {
      this(login, passwordHash, fullName, email, role, null, replyTo);
    }

    /** True when {@code existing} is what this registration would have registered. */
    boolean sameRequestAs(Profile existing) {
      return existing.login().equals(login)
          && existing.fullName().equals(fullName)
          && existing.email().equals(email);
    }
  }

  /**
   * An Idempotency-Key of a caller (http-api.md, Idempotency): keys are per caller, so two callers
   * may use the same key.
   */
  public record RequestKey(UUID caller, String key) {}

  public record ChangeRole(Role role, ActorRef<StatusReply<Profile>> replyTo) implements Command {}

  /** The user with its password hash, for login. */
  public record GetCredentials(ActorRef<StatusReply<Credentials>> replyTo) implements Command {}

  public record GetProfile(ActorRef<StatusReply<Profile>> replyTo) implements Command {}

  // --- replies --------------------------------------------------------------------------------

  /** What the API shows of a user; {@code roleSince}: when the user got the current role. */
  public record Profile(
      UUID userId,
      String login,
      String fullName,
      String email,
      Role role,
      Instant registeredAt,
      Instant roleSince)
      implements CborSerializable {

    /** The profile {@code e} registers: its role is held since registration. */
    static Profile registered(Registered e) {
      return new Profile(
          e.userId(),
          e.login(),
          e.fullName(),
          e.email(),
          e.role(),
          e.registeredAt(),
          e.registeredAt());
    }
  }

  public record Credentials(Profile profile, String passwordHash) implements CborSerializable {}

  // --- events ---------------------------------------------------------------------------------

  public sealed interface Event extends CborSerializable {
    UUID userId();
  }

  /**
   * {@code requestKey}: the Idempotency-Key of the registration, null without one (and in events
   * written before keys existed, which read back with null).
   */
  public record Registered(
      UUID userId,
      String login,
      String passwordHash,
      String fullName,
      String email,
      Role role,
      Instant registeredAt,
      RequestKey requestKey)
      implements Event {

    /** A registration without an Idempotency-Key. */
    public Registered(
        UUID userId,
        String login,
        String passwordHash,
        String fullName,
        String email,
        Role role,
        Instant registeredAt) {
      this(userId, login, passwordHash, fullName, email, role, registeredAt, null);
    }
  }

  public record RoleChanged(UUID userId, Role role, Instant changedAt) implements Event {}

  // --- state ----------------------------------------------------------------------------------

  public sealed interface State extends CborSerializable {}

  /** No user has registered this login yet. */
  public enum Unregistered implements State {
    INSTANCE
  }

  /** {@code requestKey}: the Idempotency-Key the user was registered with, or null. */
  public record Active(Profile profile, String passwordHash, RequestKey requestKey)
      implements State {
    Active withRole(Role role, Instant since) {
      Profile p = profile;
      return new Active(
          new Profile(
              p.userId(), p.login(), p.fullName(), p.email(), role, p.registeredAt(), since),
          passwordHash,
          requestKey);
    }
  }

  // --- behavior -------------------------------------------------------------------------------

  /** The user id of a login: a name-based UUID, stable across nodes and restarts. */
  public static UUID idForLogin(String login) {
    return UUID.nameUUIDFromBytes(
        ("ates-user:" + login.toLowerCase(Locale.ROOT)).getBytes(StandardCharsets.UTF_8));
  }

  private final UUID userId;
  private final Clock clock;

  public static Behavior<Command> create(String entityId, Journal journal, Clock clock) {
    return new User(entityId, journal, clock);
  }

  private User(String entityId, Journal journal, Clock clock) {
    super(ENTITY_KEY, entityId, journal, TAGS, false);
    this.userId = UUID.fromString(entityId);
    this.clock = clock;
  }

  @Override
  public State emptyState() {
    return Unregistered.INSTANCE;
  }

  @Override
  public CommandHandlerWithReply<Command, Event, State> commandHandler() {
    CommandHandlerWithReplyBuilder<Command, Event, State> builder =
        newCommandHandlerWithReplyBuilder();

    builder
        .forStateType(Unregistered.class)
        .onCommand(Register.class, this::register)
        .onCommand(
            ChangeRole.class,
            cmd -> Effect().reply(cmd.replyTo(), EntityError.notFound("no such user")))
        .onCommand(
            GetCredentials.class,
            cmd -> Effect().reply(cmd.replyTo(), EntityError.notFound("no such user")))
        .onCommand(
            GetProfile.class,
            cmd -> Effect().reply(cmd.replyTo(), EntityError.notFound("no such user")));

    builder
        .forStateType(Active.class)
        .onCommand(Register.class, this::registerAgain)
        .onCommand(ChangeRole.class, this::changeRole)
        .onCommand(
            GetCredentials.class,
            (state, cmd) ->
                Effect()
                    .reply(
                        cmd.replyTo(),
                        StatusReply.success(
                            new Credentials(state.profile(), state.passwordHash()))))
        .onCommand(
            GetProfile.class,
            (state, cmd) -> Effect().reply(cmd.replyTo(), StatusReply.success(state.profile())));

    return builder.build();
  }

  private ReplyEffect<Event, State> register(Register cmd) {
    if (!idForLogin(cmd.login()).equals(userId)) {
      return Effect()
          .reply(cmd.replyTo(), EntityError.invalid("login does not belong to this user id"));
    }
    Registered event =
        new Registered(
            userId,
            cmd.login(),
            cmd.passwordHash(),
            cmd.fullName(),
            cmd.email(),
            cmd.role(),
            clock.instant(),
            cmd.requestKey());
    return Effect()
        .persist(event)
        .thenReply(cmd.replyTo(), state -> StatusReply.success(((Active) state).profile()));
  }

  /**
   * A registration of a registered login: the first answer again for a retry with the key that
   * registered it (the current profile), 422 for that key with another body, 409 otherwise (which
   * was also the first answer of a keyed request that found the login taken).
   */
  private ReplyEffect<Event, State> registerAgain(Active state, Register cmd) {
    if (cmd.requestKey() == null || !cmd.requestKey().equals(state.requestKey())) {
      return Effect()
          .reply(cmd.replyTo(), EntityError.conflict("login '" + cmd.login() + "' is taken"));
    }
    if (cmd.sameRequestAs(state.profile())) {
      return Effect().reply(cmd.replyTo(), StatusReply.success(state.profile()));
    }
    return Effect()
        .reply(
            cmd.replyTo(),
            EntityError.keyReused("this Idempotency-Key was used for another request"));
  }

  private ReplyEffect<Event, State> changeRole(Active state, ChangeRole cmd) {
    if (state.profile().role() == cmd.role()) {
      return Effect().reply(cmd.replyTo(), StatusReply.success(state.profile()));
    }
    return Effect()
        .persist(new RoleChanged(userId, cmd.role(), clock.instant()))
        .thenReply(cmd.replyTo(), s -> StatusReply.success(((Active) s).profile()));
  }

  @Override
  public EventHandler<State, Event> eventHandler() {
    var builder = newEventHandlerBuilder();
    builder
        .forStateType(Unregistered.class)
        .onEvent(
            Registered.class,
            e -> new Active(Profile.registered(e), e.passwordHash(), e.requestKey()));
    builder
        .forStateType(Active.class)
        .onEvent(RoleChanged.class, (state, e) -> state.withRole(e.role(), e.changedAt()));
    return builder.build();
  }
}
