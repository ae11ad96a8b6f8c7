package ates.identity;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import ates.contract.Role;
import ates.contract.Topics;
import ates.platform.kafka.EventRecords;
import ates.platform.kafka.OutgoingEvent;
import ates.testing.Published;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * What a user journal event publishes: given the event, when mapped to the contract, then the
 * topic, key, name, version, time and data, valid against the contract's schema.
 */
class UserEventsTest {

  private static final Instant MONDAY = Instant.parse("2024-03-04T09:00:00Z");
  private final UUID alice = UUID.randomUUID();

  @Test
  void a_registration_publishes_one_user_registered_without_the_password_hash() {
    User.Registered registered =
        new User.Registered(
            alice, "alice", "pbkdf2$secret", "Alice A", "a@example.org", Role.WORKER, MONDAY);

    List<OutgoingEvent> events = UserEvents.toContract(registered);

    assertEquals(1, events.size());
    OutgoingEvent e = events.get(0);
    assertEquals(Topics.USERS, e.topic());
    assertEquals(alice.toString(), e.key());
    assertEquals("UserRegistered", e.eventName());
    assertEquals(1, e.eventVersion());
    assertEquals(MONDAY, e.eventTime());
    Published p = Published.of(e, UUID.randomUUID(), IdentityService.NAME);
    assertEquals(alice.toString(), p.data("userId"));
    assertEquals("alice", p.data("login"));
    assertEquals("Alice A", p.data("fullName"));
    assertEquals("a@example.org", p.data("email"));
    assertEquals("worker", p.data("role"));
    assertEquals("2024-03-04T09:00:00Z", p.data("registeredAt"));
    assertFalse(p.envelope().data().toString().contains("secret"), "the hash stays home");
  }

  @Test
  void a_role_change_publishes_one_user_role_changed_keyed_by_the_user() {
    List<OutgoingEvent> events =
        UserEvents.toContract(new User.RoleChanged(alice, Role.ACCOUNTANT, MONDAY));

    assertEquals(1, events.size());
    OutgoingEvent e = events.get(0);
    assertEquals(Topics.USERS, e.topic());
    assertEquals(alice.toString(), e.key());
    assertEquals("UserRoleChanged", e.eventName());
    assertEquals(MONDAY, e.eventTime());
    Published p = Published.of(e, UUID.randomUUID(), IdentityService.NAME);
    assertEquals("accountant", p.data("role"));
    assertEquals("2024-03-04T09:00:00Z", p.data("changedAt"));
    assertEquals("Users", p.record().topic());
    assertEquals(alice.toString(), p.record().key());
  }

  @Test
  void a_journal_event_published_again_keeps_its_event_id() {
    String pid = "User|" + alice;

    assertEquals(EventRecords.eventId(pid, 3, 0), EventRecords.eventId(pid, 3, 0));
    assertNotEquals(EventRecords.eventId(pid, 3, 0), EventRecords.eventId(pid, 4, 0));
    assertNotEquals(EventRecords.eventId(pid, 3, 0), EventRecords.eventId(pid, 3, 1));
    assertNotEquals(EventRecords.eventId(pid, 3, 0), EventRecords.eventId("User|x", 3, 0));
    UUID id = EventRecords.eventId(pid, 3, 0);
    OutgoingEvent e = UserEvents.toContract(new User.RoleChanged(alice, Role.ADMIN, MONDAY)).get(0);
    assertEquals(id, Published.of(e, id, IdentityService.NAME).envelope().eventId());
  }
}
