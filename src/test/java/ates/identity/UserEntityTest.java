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

  private final User.RequestKey key = new User.RequestKey(UUID.randomUUID(), "create-popug-1");

  private CommandResultWithReply<User.Command, User.Event, User.State, StatusReply<User.Profile>>
      registerWithKey(User.RequestKey requestKey, String fullName, String passwordHash) {
    return kit.runCommand(
        replyTo ->
            new User.Register(
                login, passwordHash, fullName, "p@ex.com", Role.WORKER, requestKey, replyTo));
  }

  @Test
  void a_registration_retried_with_its_key_answers_the_first_user_and_persists_nothing() {
    var first = registerWithKey(key, "Popug", "pbkdf2-sha512$1$c2FsdA$aGFzaA");
    assertEquals(key, first.eventOfType(User.Registered.class).requestKey());

    var again = registerWithKey(key, "Popug", "pbkdf2-sha512$1$b3RoZXI$b3RoZXI");

    assertTrue(again.hasNoEvents(), "a retry persists nothing");
    assertEquals(first.reply().getValue(), again.reply().getValue());
    var credentials = kit.<StatusReply<User.Credentials>>runCommand(User.GetCredentials::new);
    assertEquals(
        "pbkdf2-sha512$1$c2FsdA$aGFzaA",
        credentials.reply().getValue().passwordHash(),
        "the first password stays");
  }

  @Test
  void a_retry_after_a_role_change_answers_the_same_user_as_it_is_now() {
    registerWithKey(key, "Popug", "h");
    kit.<StatusReply<User.Profile>>runCommand(r -> new User.ChangeRole(Role.MANAGER, r));

    var again = registerWithKey(key, "Popug", "h");

    assertTrue(again.hasNoEvents());
    assertEquals(userId, again.reply().getValue().userId());
    assertEquals(Role.MANAGER, again.reply().getValue().role());
  }

  @Test
  void the_key_with_another_body_is_reused_and_another_key_or_none_is_a_conflict() {
    registerWithKey(key, "Popug", "h");

    var otherBody = registerWithKey(key, "Another Popug", "h");
    var otherKey =
        registerWithKey(new User.RequestKey(key.caller(), "create-popug-2"), "Popug", "h");
    var otherCaller =
        registerWithKey(new User.RequestKey(UUID.randomUUID(), key.key()), "Popug", "h");
    var noKey = registerWithKey(null, "Popug", "h");

    assertTrue(otherBody.hasNoEvents());
    assertInstanceOf(EntityError.KeyReused.class, error(otherBody.reply()));
    for (var refused : java.util.List.of(otherKey, otherCaller, noKey)) {
      assertTrue(refused.hasNoEvents());
      assertInstanceOf(EntityError.Conflict.class, error(refused.reply()));
    }
  }

  @Test
  void a_keyed_registration_of_a_login_registered_without_a_key_is_a_conflict_every_time() {
    register(Role.WORKER);

    var first = registerWithKey(key, "Popug", "h");
    var again = registerWithKey(key, "Popug", "h");

    assertInstanceOf(EntityError.Conflict.class, error(first.reply()));
    assertEquals(error(first.reply()), error(again.reply()), "the first answer again");
  }

  @Test
  void the_key_is_recovered_from_the_events() {
    var first = registerWithKey(key, "Popug", "h");

    kit.restart();
    var again = registerWithKey(key, "Popug", "h");

    assertTrue(again.hasNoEvents());
    assertEquals(first.reply().getValue(), again.reply().getValue());
    assertEquals(key, ((User.Active) again.state()).requestKey());
  }

  /**
   * Events journaled before keys existed have no {@code requestKey}: they read back with null, and
   * such a user answers a keyed registration with 409.
   */
  @Test
  void a_registered_event_written_without_the_key_field_reads_back_with_null() throws Exception {
    var serialization = akka.serialization.SerializationExtension.get(testKit.system());
    User.Registered current =
        new User.Registered(userId, login, "h", "Popug", "p@ex.com", Role.WORKER, NOW, key);
    var serializer = serialization.findSerializerFor(current);
    String manifest = akka.serialization.Serializers.manifestFor(serializer, current);
    com.fasterxml.jackson.databind.ObjectMapper cbor =
        akka.serialization.jackson.JacksonObjectMapperProvider.get(testKit.system())
            .getOrCreate("jackson-cbor", java.util.Optional.empty());
    var old =
        (com.fasterxml.jackson.databind.node.ObjectNode)
            cbor.readTree(serializer.toBinary(current));
    assertTrue(old.has("requestKey"), old.toString());
    old.remove("requestKey");

    User.Registered read =
        (User.Registered)
            serialization
                .deserialize(cbor.writeValueAsBytes(old), serializer.identifier(), manifest)
                .get();

    assertEquals(
        new User.Registered(userId, login, "h", "Popug", "p@ex.com", Role.WORKER, NOW), read);
    kit.initialize(read);
    var keyed = registerWithKey(key, "Popug", "h");
    assertInstanceOf(EntityError.Conflict.class, error(keyed.reply()));
  }
}
