package ates.identity;

import static org.junit.jupiter.api.Assertions.assertEquals;

import ates.contract.Role;
import ates.testing.ReadModelTestKit;
import ates.testing.Rows;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The {@code users} read model: given user journal events, when the production projection runs them
 * (akka-projection's ProjectionTestKit, embedded PostgreSQL), then the rows.
 */
class UserReadModelTest {

  private static final Instant MONDAY = Instant.parse("2024-03-04T09:00:00Z");
  private static final Instant TUESDAY = Instant.parse("2024-03-05T09:00:00Z");

  private final UUID alice = UUID.randomUUID();
  private final UUID bob = UUID.randomUUID();
  private ReadModelTestKit<User.Event> users;

  @BeforeEach
  void start() {
    users =
        ReadModelTestKit.of(
            IdentityService.NAME,
            "users-read-model",
            (c, envelope) -> UserReadModel.apply(c, envelope.event()));
  }

  @AfterEach
  void stop() {
    users.close();
  }

  @Test
  void a_registered_user_is_a_row_with_its_profile() {
    users.given(pid(alice), MONDAY, registered(alice, "alice", Role.WORKER, MONDAY));

    users.whenProjected(
        () -> {
          Map<String, Object> row = user(alice);
          assertEquals("alice", row.get("login"));
          assertEquals("Full alice", row.get("full_name"));
          assertEquals("alice@example.org", row.get("email"));
          assertEquals("worker", row.get("role"));
          assertEquals(Timestamp.from(MONDAY), row.get("registered_at"));
          assertEquals(Timestamp.from(MONDAY), row.get("updated_at"));
        });
  }

  @Test
  void a_role_change_updates_the_role_and_when_it_changed_but_not_the_registration() {
    users
        .given(pid(alice), MONDAY, registered(alice, "alice", Role.WORKER, MONDAY))
        .given(pid(alice), TUESDAY, new User.RoleChanged(alice, Role.MANAGER, TUESDAY))
        .given(pid(bob), MONDAY, registered(bob, "bob", Role.ACCOUNTANT, MONDAY));

    users.whenProjected(
        () -> {
          Map<String, Object> row = user(alice);
          assertEquals("manager", row.get("role"));
          assertEquals(Timestamp.from(MONDAY), row.get("registered_at"));
          assertEquals(Timestamp.from(TUESDAY), row.get("updated_at"));
          assertEquals("accountant", user(bob).get("role"));
        });
  }

  @Test
  void a_registration_applied_twice_keeps_one_row_and_the_newer_role() {
    users
        .given(pid(alice), MONDAY, registered(alice, "alice", Role.WORKER, MONDAY))
        .given(pid(alice), TUESDAY, new User.RoleChanged(alice, Role.ADMIN, TUESDAY))
        // a journal event replayed after the role change (redelivery) must not reset the row
        .given(pid(alice), MONDAY, registered(alice, "alice", Role.WORKER, MONDAY));

    users.whenProjected(
        () -> {
          assertEquals(1, Rows.query(users.database(), "SELECT * FROM users").size());
          assertEquals("admin", user(alice).get("role"));
        });
  }

  private Map<String, Object> user(UUID id) {
    return Rows.one(users.database(), "SELECT * FROM users WHERE user_id = ?", id);
  }

  private static String pid(UUID userId) {
    return "User|" + userId;
  }

  private static User.Registered registered(UUID id, String login, Role role, Instant at) {
    return new User.Registered(
        id, login, "hash", "Full " + login, login + "@example.org", role, at);
  }
}
