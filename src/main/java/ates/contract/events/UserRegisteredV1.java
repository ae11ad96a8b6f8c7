package ates.contract.events;

import static ates.contract.Required.field;

import ates.contract.Role;
import java.time.Instant;
import java.util.UUID;

/**
 * {@code UserRegistered} v1 on the {@code Users} topic, key {@code userId}. Build it with {@link
 * #builder()}: login, full name and email name their fields.
 */
public record UserRegisteredV1(
    UUID userId, String login, String fullName, String email, Role role, Instant registeredAt) {
  public static final String NAME = "UserRegistered";
  public static final int VERSION = 1;

  public static Builder builder() {
    return new Builder();
  }

  /** Every field by name, all required. */
  public static final class Builder {
    private UUID userId;
    private String login;
    private String fullName;
    private String email;
    private Role role;
    private Instant registeredAt;

    private Builder() {}

    public Builder userId(UUID value) {
      userId = value;
      return this;
    }

    public Builder login(String value) {
      login = value;
      return this;
    }

    public Builder fullName(String value) {
      fullName = value;
      return this;
    }

    public Builder email(String value) {
      email = value;
      return this;
    }

    public Builder role(Role value) {
      role = value;
      return this;
    }

    public Builder registeredAt(Instant value) {
      registeredAt = value;
      return this;
    }

    public UserRegisteredV1 build() {
      return new UserRegisteredV1(
          field(userId, "userId"),
          field(login, "login"),
          field(fullName, "fullName"),
          field(email, "email"),
          field(role, "role"),
          field(registeredAt, "registeredAt"));
    }
  }
}
