package ates.identity;

import ates.platform.db.ServiceDatabase;
import com.typesafe.config.Config;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletionStage;

/**
 * The login rate limit: failed logins counted per login and per client address in fixed windows, in
 * the identity database, so all identity nodes share one count (an atomic additive upsert, never a
 * read-modify-write). A login or an address over its limit is refused with the time left in the
 * window, before any password is hashed, so a flood costs one indexed read per attempt.
 */
final class LoginThrottle {

  private final ServiceDatabase database;
  private final Clock clock;
  private final Duration window;
  private final int perLogin;
  private final int perAddress;

  LoginThrottle(ServiceDatabase database, Clock clock, Config limits) {
    this.database = database;
    this.clock = clock;
    this.window = limits.getDuration("window");
    this.perLogin = limits.getInt("per-login");
    this.perAddress = limits.getInt("per-address");
  }

  /**
   * Counts an attempt against the login and the address before any password is hashed, in one
   * atomic upsert each, so a burst of concurrent attempts cannot all pass a check made before any
   * of them is counted. Answers how long the caller must wait when either is over its limit. A
   * successful login gives its attempt back ({@link #succeeded}), so only failures (and attempts in
   * flight) count.
   */
  CompletionStage<Optional<Duration>> reserve(UUID userId, String address) {
    Instant now = clock.instant();
    Instant start = windowStart(now);
    return database.query(
        c -> {
          int byLogin = add(c, loginKey(userId), start, 1);
          int byAddress = add(c, addressKey(address), start, 1);
          forgetExpired(c, start);
          return byLogin > perLogin || byAddress > perAddress
              ? Optional.of(Duration.between(now, start.plus(window)))
              : Optional.empty();
        });
  }

  /** Gives a successful login's attempt back. */
  CompletionStage<Void> succeeded(UUID userId, String address) {
    Instant start = windowStart(clock.instant());
    return database.query(
        c -> {
          add(c, loginKey(userId), start, -1);
          add(c, addressKey(address), start, -1);
          return null;
        });
  }

  private static int add(Connection c, String key, Instant start, int delta) throws SQLException {
    try (PreparedStatement ps =
        c.prepareStatement(
            "INSERT INTO login_failures (key, window_start, failures) VALUES (?, ?, GREATEST(?, 0))"
                + " ON CONFLICT (key, window_start)"
                + " DO UPDATE SET failures = GREATEST(login_failures.failures + ?, 0)"
                + " RETURNING failures")) {
      ps.setString(1, key);
      ps.setTimestamp(2, Timestamp.from(start));
      ps.setInt(3, delta);
      ps.setInt(4, delta);
      try (ResultSet rs = ps.executeQuery()) {
        rs.next();
        return rs.getInt("failures");
      }
    }
  }

  private void forgetExpired(Connection c, Instant start) throws SQLException {
    try (PreparedStatement ps =
        c.prepareStatement("DELETE FROM login_failures WHERE window_start < ?")) {
      ps.setTimestamp(1, Timestamp.from(start.minus(window)));
      ps.executeUpdate();
    }
  }

  private Instant windowStart(Instant now) {
    long size = window.toMillis();
    return Instant.ofEpochMilli(Math.floorDiv(now.toEpochMilli(), size) * size);
  }

  private static String loginKey(UUID userId) {
    return "login:" + userId;
  }

  private static String addressKey(String address) {
    String a = address.length() > 70 ? address.substring(0, 70) : address;
    return "addr:" + a;
  }
}
