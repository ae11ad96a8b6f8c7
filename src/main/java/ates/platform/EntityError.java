package ates.platform;

import akka.pattern.StatusReply;
import com.fasterxml.jackson.annotation.JsonAutoDetect;
import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonSubTypes;
import com.fasterxml.jackson.annotation.JsonTypeInfo;
import com.fasterxml.jackson.annotation.JsonValue;
import java.util.Optional;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;

/**
 * An error an entity answers a command with: a closed set of kinds, each with a detail a person can
 * act on. An entity replies {@code error.reply()}: a {@link StatusReply} error whose exception, a
 * {@link Failure}, carries the typed error across the cluster (bound to {@code jackson-cbor} in
 * {@code serialization.conf}) and fails the asker's future. {@code HttpErrors} maps the kinds to
 * HTTP in one place, through {@link #accept}: a new kind does not compile until it is mapped.
 */
@JsonTypeInfo(use = JsonTypeInfo.Id.NAME, property = "kind")
@JsonSubTypes({
  @JsonSubTypes.Type(value = EntityError.NotFound.class, name = "not-found"),
  @JsonSubTypes.Type(value = EntityError.Forbidden.class, name = "forbidden"),
  @JsonSubTypes.Type(value = EntityError.Conflict.class, name = "conflict"),
  @JsonSubTypes.Type(value = EntityError.Invalid.class, name = "invalid"),
  @JsonSubTypes.Type(value = EntityError.KeyReused.class, name = "key-reused")
})
public sealed interface EntityError extends CborSerializable {

  String detail();

  /** Calls the case of this kind: an exhaustive match (Java 17 has no switch over types). */
  <R> R accept(Cases<R> cases);

  /** One method per kind of error. */
  interface Cases<R> {
    R notFound(NotFound error);

    R forbidden(Forbidden error);

    R conflict(Conflict error);

    R invalid(Invalid error);

    R keyReused(KeyReused error);
  }

  /** The entity does not exist (yet). */
  record NotFound(String detail) implements EntityError {
    @Override
    public <R> R accept(Cases<R> cases) {
      return cases.notFound(this);
    }
  }

  /** The entity exists, but the sender may not do this to it. */
  record Forbidden(String detail) implements EntityError {
    @Override
    public <R> R accept(Cases<R> cases) {
      return cases.forbidden(this);
    }
  }

  /** The command contradicts the entity's state (it exists already, it is done). */
  record Conflict(String detail) implements EntityError {
    @Override
    public <R> R accept(Cases<R> cases) {
      return cases.conflict(this);
    }
  }

  /** The command itself is wrong, whatever the state. */
  record Invalid(String detail) implements EntityError {
    @Override
    public <R> R accept(Cases<R> cases) {
      return cases.invalid(this);
    }
  }

  /** An idempotency key that already stands for another request (http-api.md, Idempotency). */
  record KeyReused(String detail) implements EntityError {
    @Override
    public <R> R accept(Cases<R> cases) {
      return cases.keyReused(this);
    }
  }

  /** This error as a reply: the asker's future fails with a {@link Failure} carrying it. */
  default <T> StatusReply<T> reply() {
    return StatusReply.error(new Failure(this));
  }

  static <T> StatusReply<T> notFound(String detail) {
    return new NotFound(detail).reply();
  }

  static <T> StatusReply<T> forbidden(String detail) {
    return new Forbidden(detail).reply();
  }

  static <T> StatusReply<T> conflict(String detail) {
    return new Conflict(detail).reply();
  }

  static <T> StatusReply<T> keyReused(String detail) {
    return new KeyReused(detail).reply();
  }

  static <T> StatusReply<T> invalid(String detail) {
    return new Invalid(detail).reply();
  }

  /**
   * The entity error a failed ask (or a failed reply) carries, looking through the wrappers of
   * futures; empty for any other failure (a timeout, a crash).
   */
  static Optional<EntityError> of(Throwable failure) {
    Throwable t = failure;
    while ((t instanceof CompletionException || t instanceof ExecutionException)
        && t.getCause() != null) {
      t = t.getCause();
    }
    return t instanceof Failure f ? Optional.of(f.error()) : Optional.empty();
  }

  /**
   * The exception a {@link StatusReply} error needs, carrying the typed error. It is serialized as
   * its error and nothing else: no stack trace (none is captured), no message (the detail).
   */
  @JsonAutoDetect(
      fieldVisibility = JsonAutoDetect.Visibility.NONE,
      getterVisibility = JsonAutoDetect.Visibility.NONE,
      isGetterVisibility = JsonAutoDetect.Visibility.NONE)
  final class Failure extends RuntimeException implements CborSerializable {
    private final EntityError error;

    @JsonCreator(mode = JsonCreator.Mode.DELEGATING)
    public Failure(EntityError error) {
      super(error.detail(), null, false, false);
      this.error = error;
    }

    @JsonValue
    public EntityError error() {
      return error;
    }

    @Override
    public String toString() {
      return "EntityError.Failure(" + error + ")";
    }
  }
}
