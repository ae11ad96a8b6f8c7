package ates.platform.db;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ates.contract.EventEnvelope;
import ates.contract.EventJson;
import ates.contract.Role;
import ates.contract.events.TaskCreatedV1;
import ates.contract.events.UserRegisteredV1;
import ates.contract.events.UserRoleChangedV1;
import ates.testing.Rows;
import ates.testing.TestInfra;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Instant;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The one rule of every users replica: given {@code Users} events applied in some order to the
 * {@code known_users} table of a service's database (embedded PostgreSQL, no Kafka), then the
 * user's row. Each case runs on the tasks, accounting and analytics databases alike.
 */
class UsersReplicaTest {

  private static final Instant MONDAY = Instant.parse("2024-03-04T09:00:00Z");
  private static final Instant TUESDAY = Instant.parse("2024-03-05T09:00:00Z");
  private static final Map<String, ServiceDatabase> DATABASES = new ConcurrentHashMap<>();

  private final UUID alice = UUID.randomUUID();

  @AfterAll
  static void closeDatabases() {
    DATABASES.values().forEach(ServiceDatabase::close);
  }

  @ParameterizedTest
  @ValueSource(strings = {"tasks", "accounting", "analytics"})
  void a_registration_makes_a_known_user_with_its_role_and_profile(String service) {
    given(service, registered(alice, Role.WORKER, MONDAY));

    assertEquals("worker", row(service).get("role"));
    assertEquals("login-" + alice, row(service).get("login"));
    assertEquals("alice@example.org", row(service).get("email"));
  }

  @ParameterizedTest
  @ValueSource(strings = {"tasks", "accounting", "analytics"})
  void a_later_role_change_replaces_the_role_and_keeps_the_profile(String service) {
    given(
        service, registered(alice, Role.WORKER, MONDAY), roleChanged(alice, Role.MANAGER, TUESDAY));

    assertEquals("manager", row(service).get("role"));
    assertEquals("login-" + alice, row(service).get("login"));
  }

  @ParameterizedTest
  @ValueSource(strings = {"tasks", "accounting", "analytics"})
  void an_older_role_change_arriving_late_does_not_win(String service) {
    given(
        service,
        registered(alice, Role.WORKER, MONDAY),
        roleChanged(alice, Role.ADMIN, TUESDAY),
        roleChanged(alice, Role.WORKER, MONDAY.plusSeconds(60)));

    assertEquals("admin", row(service).get("role"));
  }

  @ParameterizedTest
  @ValueSource(strings = {"tasks", "accounting", "analytics"})
  void a_role_change_read_before_the_registration_is_kept_and_the_profile_filled_later(
      String service) {
    given(service, roleChanged(alice, Role.ACCOUNTANT, TUESDAY));
    assertEquals("accountant", row(service).get("role"));
    assertNull(row(service).get("login"));

    given(service, registered(alice, Role.WORKER, MONDAY));

    assertEquals("accountant", row(service).get("role"));
    assertEquals("login-" + alice, row(service).get("login"));
  }

  @ParameterizedTest
  @ValueSource(strings = {"tasks", "accounting", "analytics"})
  void a_registration_never_overwrites_a_role_change_even_with_a_later_time(String service) {
    // a clock behind on the node that changed the role
    given(
        service,
        registered(alice, Role.WORKER, TUESDAY),
        roleChanged(alice, Role.MANAGER, TUESDAY),
        registered(alice, Role.WORKER, TUESDAY.plusSeconds(1)));

    assertEquals("manager", row(service).get("role"));
  }

  @ParameterizedTest
  @ValueSource(strings = {"tasks", "accounting", "analytics"})
  void a_role_change_at_the_time_of_the_registration_wins(String service) {
    given(service, registered(alice, Role.WORKER, MONDAY), roleChanged(alice, Role.ADMIN, MONDAY));

    assertEquals("admin", row(service).get("role"));
  }

  @ParameterizedTest
  @ValueSource(strings = {"tasks", "accounting", "analytics"})
  void a_redelivered_event_changes_nothing(String service) {
    EventEnvelope registration = registered(alice, Role.WORKER, MONDAY);
    EventEnvelope promotion = roleChanged(alice, Role.MANAGER, TUESDAY);
    given(service, registration, promotion);

    assertFalse(apply(service, registration));
    assertFalse(apply(service, promotion));
    assertEquals("manager", row(service).get("role"));
  }

  @ParameterizedTest
  @ValueSource(strings = {"tasks", "accounting", "analytics"})
  void events_of_other_names_change_nothing(String service) {
    EventEnvelope other =
        EventJson.envelope(
            UUID.randomUUID(),
            TaskCreatedV1.NAME,
            1,
            MONDAY,
            "tasks",
            new TaskCreatedV1(UUID.randomUUID(), "t", null, "d", alice, 1, 2, alice, MONDAY));

    assertFalse(apply(service, other));
    assertTrue(
        Rows.query(database(service), "SELECT * FROM known_users WHERE user_id = ?", alice)
            .isEmpty());
  }

  private void given(String service, EventEnvelope... envelopes) {
    for (EventEnvelope e : envelopes) apply(service, e);
  }

  private static boolean apply(String service, EventEnvelope envelope) {
    try (Connection c = database(service).dataSource().getConnection()) {
      return UsersReplica.apply(c, envelope);
    } catch (SQLException e) {
      throw new IllegalStateException(e);
    }
  }

  private Map<String, Object> row(String service) {
    return Rows.one(
        database(service),
        "SELECT role, login, full_name, email, changed_at FROM known_users WHERE user_id = ?",
        alice);
  }

  /** One database per service for the whole class; each case uses its own user. */
  private static ServiceDatabase database(String service) {
    return DATABASES.computeIfAbsent(service, TestInfra::freshDatabase);
  }

  private static EventEnvelope registered(UUID user, Role role, Instant at) {
    return EventJson.envelope(
        UUID.randomUUID(),
        UserRegisteredV1.NAME,
        UserRegisteredV1.VERSION,
        at,
        "identity",
        UserRegisteredV1.builder()
            .userId(user)
            .login("login-" + user)
            .fullName("Alice")
            .email("alice@example.org")
            .role(role)
            .registeredAt(at)
            .build());
  }

  private static EventEnvelope roleChanged(UUID user, Role role, Instant at) {
    return EventJson.envelope(
        UUID.randomUUID(),
        UserRoleChangedV1.NAME,
        UserRoleChangedV1.VERSION,
        at,
        "identity",
        new UserRoleChangedV1(user, role, at));
  }
}
