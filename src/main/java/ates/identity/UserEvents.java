package ates.identity;

import ates.contract.Topics;
import ates.contract.events.UserRegisteredV1;
import ates.contract.events.UserRoleChangedV1;
import ates.platform.kafka.OutgoingEvent;
import java.util.List;

/** What each user journal event publishes on the {@code Users} topic (events.md). */
final class UserEvents {

  private UserEvents() {}

  static List<OutgoingEvent> toContract(User.Event event) {
    String key = event.userId().toString();
    if (event instanceof User.Registered e) {
      return List.of(
          new OutgoingEvent(
              Topics.USERS,
              key,
              UserRegisteredV1.NAME,
              UserRegisteredV1.VERSION,
              UserRegisteredV1.builder()
                  .userId(e.userId())
                  .login(e.login())
                  .fullName(e.fullName())
                  .email(e.email())
                  .role(e.role())
                  .registeredAt(e.registeredAt())
                  .build(),
              e.registeredAt()));
    }
    if (event instanceof User.RoleChanged e) {
      return List.of(
          new OutgoingEvent(
              Topics.USERS,
              key,
              UserRoleChangedV1.NAME,
              UserRoleChangedV1.VERSION,
              new UserRoleChangedV1(e.userId(), e.role(), e.changedAt()),
              e.changedAt()));
    }
    return List.of();
  }
}
