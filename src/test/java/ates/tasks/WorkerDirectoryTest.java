package ates.tasks;

import static java.util.concurrent.TimeUnit.MILLISECONDS;
import static org.junit.jupiter.api.Assertions.assertEquals;

import akka.actor.testkit.typed.javadsl.ActorTestKit;
import ates.contract.EventEnvelope;
import ates.contract.EventJson;
import ates.contract.Role;
import ates.contract.events.TaskCreatedV1;
import ates.contract.events.UserRegisteredV1;
import ates.contract.events.UserRoleChangedV1;
import ates.platform.db.ServiceDatabase;
import ates.testing.ReadModelTestKit;
import ates.testing.Rows;
import ates.testing.TestInfra;
import java.time.Duration;
import java.time.Instant;
import java.util.HashSet;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The tasks service's replica of users: given {@code Users} events handed to the consumer's
 * handler, when each is applied (embedded PostgreSQL, no Kafka), then the {@code known_users} rows
 * and who can be picked.
 */
class WorkerDirectoryTest {

  private static final Instant MONDAY = Instant.parse("2024-03-04T09:00:00Z");
  private static final Instant TUESDAY = Instant.parse("2024-03-05T09:00:00Z");
  private static final Duration TIMEOUT = Duration.ofSeconds(10);
  private static ActorTestKit testKit;

  private final UUID alice = UUID.randomUUID();
  private final UUID bob = UUID.randomUUID();
  private ServiceDatabase database;
  private WorkerDirectory directory;

  @BeforeAll
  static void startTestKit() {
    testKit = ReadModelTestKit.actorTestKit("WorkerDirectoryTest");
  }

  @AfterAll
  static void stopTestKit() {
    testKit.shutdownTestKit();
  }

  @BeforeEach
  void openDatabase() {
    database = TestInfra.freshDatabase(TasksService.NAME);
    database.useDispatcherOf(testKit.system());
    directory = new WorkerDirectory(database);
  }

  @AfterEach
  void closeDatabase() {
    database.close();
  }

  @Test
  void a_registered_worker_is_picked_and_a_manager_never() {
    given(registered(alice, Role.WORKER, MONDAY), registered(bob, Role.MANAGER, MONDAY));

    assertEquals(Set.of(alice), picks());
    assertEquals("worker", role(alice));
    assertEquals("manager", role(bob));
  }

  @Test
  void a_worker_promoted_to_manager_is_no_longer_picked() {
    given(registered(alice, Role.WORKER, MONDAY), roleChanged(alice, Role.MANAGER, TUESDAY));

    assertEquals(Optional.empty(), directory.pick());
    assertEquals("manager", role(alice));
  }

  @Test
  void an_older_role_change_arriving_late_does_not_win() {
    given(
        registered(alice, Role.WORKER, MONDAY),
        roleChanged(alice, Role.ADMIN, TUESDAY),
        // redelivered out of order: older than the row
        roleChanged(alice, Role.WORKER, MONDAY.plusSeconds(60)));

    assertEquals("admin", role(alice));
    assertEquals(Optional.empty(), directory.pick());
  }

  @Test
  void a_role_change_before_the_registration_is_kept_when_the_registration_arrives() {
    given(roleChanged(alice, Role.WORKER, TUESDAY), registered(alice, Role.MANAGER, MONDAY));

    assertEquals("worker", role(alice));
    assertEquals(Set.of(alice), picks());
  }

  @Test
  void events_of_other_names_change_nothing() {
    UUID task = UUID.randomUUID();
    given(
        EventJson.envelope(
            UUID.randomUUID(),
            TaskCreatedV1.NAME,
            1,
            MONDAY,
            "tasks",
            new TaskCreatedV1(task, "t", null, "d", alice, 1, 2, bob, MONDAY)));

    assertEquals(0, Rows.query(database, "SELECT * FROM known_users").size());
    assertEquals(Optional.empty(), directory.pick());
  }

  private void given(EventEnvelope... envelopes) {
    for (EventEnvelope e : envelopes) {
      directory.apply(e).toCompletableFuture().orTimeout(TIMEOUT.toMillis(), MILLISECONDS).join();
    }
  }

  /** Every worker {@code pick} returns in 200 tries (a uniform choice among 1 or 2). */
  private Set<UUID> picks() {
    Set<UUID> seen = new HashSet<>();
    for (int i = 0; i < 200; i++) directory.pick().ifPresent(seen::add);
    return seen;
  }

  private String role(UUID user) {
    return (String)
        Rows.one(database, "SELECT role FROM known_users WHERE user_id = ?", user).get("role");
  }

  private static EventEnvelope registered(UUID user, Role role, Instant at) {
    return EventJson.envelope(
        UUID.randomUUID(),
        UserRegisteredV1.NAME,
        UserRegisteredV1.VERSION,
        at,
        "identity",
        new UserRegisteredV1(user, "login-" + user, "Full Name", "x@example.org", role, at));
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
