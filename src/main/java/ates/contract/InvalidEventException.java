package ates.contract;

/** A record that cannot be parsed or fails its schema; the message says why. */
public final class InvalidEventException extends RuntimeException {
  public InvalidEventException(String reason) {
    super(reason, null, false, false);
  }
}
