package ates.identity;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import akka.actor.testkit.typed.javadsl.ActorTestKit;
import akka.pattern.StatusReply;
import akka.persistence.testkit.javadsl.EventSourcedBehaviorTestKit;
import akka.persistence.testkit.javadsl.EventSourcedBehaviorTestKit.CommandResultWithReply;
import ates.contract.Role;
import ates.platform.EntityError;
import ates.platform.JournaledEntity;
import ates.testing.EntityTestKits;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The User entity, given / when / then, with serialization of every message, event and state
 * verified.
 */
class UserEntityTest {

  private static final Instant NOW = Instant.parse("2026-11-25T10:00:00Z");
  private static ActorTestKit testKit;

  private EventSourcedBehaviorTestKit<User.Command, User.Event, User.State> kit;
  private final String login = "popug-" + UUID.randomUUID().toString().substring(0, 8);
  private final UUID userId = User.idForLogin(login);

  @BeforeAll
  static void startTestKit() {
    testKit = EntityTestKits.create("UserEntityTest");
  }

  @AfterAll
  static void stopTestKit() {
    testKit.shutdownTestKit();
  }

  @BeforeEach
  void newEntity() {
    kit =
        EventSourcedBehaviorTestKit.create(
            testKit.system(),
            User.create(
                userId.toString(),
                JournaledEntity.Journal.DEFAULT,
                Clock.fixed(NOW, ZoneOffset.UTC)));
  }

  private CommandResultWithReply<User.Command, User.Event, User.State, StatusReply<User.Profile>>
      register(Role role) {
    return kit.runCommand(
        replyTo ->
            new User.Register(
                login, "pbkdf2-sha512$1$c2FsdA$aGFzaA", "Popug", "p@ex.com", role, replyTo));
  }

  private static EntityError error(StatusReply<?> reply) {
    return EntityError.of(reply.getError()).orElseThrow();
  }

  @Test
  void registering_a_new_login_persists_registered_and_answers_the_profile() {
    var result = register(Role.WORKER);

    User.Registered event = result.eventOfType(User.Registered.class);
    assertEquals(userId, event.userId());
    assertEquals(Role.WORKER, event.role());
    assertEquals(NOW, event.registeredAt());
    assertTrue(result.reply().isSuccess());
    User.Profile profile = result.reply().getValue();
    assertEquals(login, profile.login());
    assertEquals("Popug", profile.fullName());
    assertEquals("p@ex.com", profile.email());
    assertEquals(NOW, profile.roleSince());
    assertInstanceOf(User.Active.class, result.state());
  }

  @Test
  void registering_a_taken_login_is_a_conflict_and_persists_nothing() {
    register(Role.WORKER);

    var again = register(Role.ADMIN);

    assertTrue(again.hasNoEvents());
    assertEquals(new EntityError.Conflict("login '" + login + "' is taken"), error(again.reply()));
    assertEquals(Role.WORKER, ((User.Active) again.state()).profile().role());
  }

  @Test
  void a_login_that_does_not_belong_to_the_entity_is_refused() {
    var result =
        kit.<StatusReply<User.Profile>>runCommand(
            replyTo ->
                new User.Register("someone-else", "h", "X", "x@ex.com", Role.WORKER, replyTo));

    assertTrue(result.hasNoEvents());
    assertInstanceOf(EntityError.Invalid.class, error(result.reply()));
  }

  @Test
  void changing_the_role_persists_role_changed_once() {
    register(Role.WORKER);

    var changed =
        kit.<StatusReply<User.Profile>>runCommand(r -> new User.ChangeRole(Role.MANAGER, r));
    var same = kit.<StatusReply<User.Profile>>runCommand(r -> new User.ChangeRole(Role.MANAGER, r));

    assertEquals(new User.RoleChanged(userId, Role.MANAGER, NOW), changed.event());
    assertEquals(Role.MANAGER, changed.reply().getValue().role());
    assertTrue(same.hasNoEvents());
    assertEquals(Role.MANAGER, same.reply().getValue().role());
  }

  @Test
  void an_unregistered_user_is_not_found() {
    var get = kit.<StatusReply<User.Profile>>runCommand(User.GetProfile::new);
    var role = kit.<StatusReply<User.Profile>>runCommand(r -> new User.ChangeRole(Role.ADMIN, r));

    assertEquals(new EntityError.NotFound("no such user"), error(get.reply()));
    assertTrue(role.hasNoEvents());
    assertEquals(new EntityError.NotFound("no such user"), error(role.reply()));
  }

  @Test
  void the_user_is_recovered_from_its_events() {
    register(Role.WORKER);
    kit.<StatusReply<User.Profile>>runCommand(r -> new User.ChangeRole(Role.ACCOUNTANT, r));

    kit.restart();
    var credentials = kit.<StatusReply<User.Credentials>>runCommand(User.GetCredentials::new);

    assertEquals(Role.ACCOUNTANT, credentials.reply().getValue().profile().role());
    assertEquals("pbkdf2-sha512$1$c2FsdA$aGFzaA", credentials.reply().getValue().passwordHash());
  }
}
