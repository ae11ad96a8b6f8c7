package ates.platform;

import akka.pattern.StatusReply;

/**
 * Errors an entity replies with: a {@link StatusReply} error whose message starts with the HTTP
 * status it stands for ({@code "409 login is taken"}), so it crosses the cluster as a plain
 * message and maps to a problem answer in one place ({@code HttpErrors}).
 */
public final class EntityReplies {

  private EntityReplies() {}

  public static <T> StatusReply<T> notFound(String detail) {
    return StatusReply.error("404 " + detail);
  }

  public static <T> StatusReply<T> forbidden(String detail) {
    return StatusReply.error("403 " + detail);
  }

  public static <T> StatusReply<T> conflict(String detail) {
    return StatusReply.error("409 " + detail);
  }

  /** Status and detail of an entity's error message; 409 when it carries no status. */
  public static int status(String message) {
    if (message != null && message.length() > 4 && message.charAt(3) == ' ') {
      try {
        int s = Integer.parseInt(message.substring(0, 3));
        if (s >= 400 && s < 500) return s;
      } catch (NumberFormatException ignored) {
        // no status prefix
      }
    }
    return 409;
  }

  public static String detail(String message) {
    if (message == null) return "";
    return status(message) == 409 && !message.startsWith("409 ") ? message : message.substring(4);
  }
}
