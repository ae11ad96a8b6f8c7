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

  /** How long the caller must wait, when the login or the address is over its limit. */
  CompletionStage<Optional<Duration>> retryAfter(UUID userId, String address) {
    Instant now = clock.instant();
    Instant start = windowStart(now);
    return database.query(
        c -> {
          try (PreparedStatement ps =
              c.prepareStatement(
                  "SELECT key, failures FROM login_failures"
                      + " WHERE key IN (?, ?) AND window_start = ?")) {
            ps.setString(1, loginKey(userId));
            ps.setString(2, addressKey(address));
            ps.setTimestamp(3, Timestamp.from(start));
            try (ResultSet rs = ps.executeQuery()) {
              while (rs.next()) {
                int limit = rs.getString("key").startsWith("login:") ? perLogin : perAddress;
                if (rs.getInt("failures") >= limit) {
                  return Optional.of(Duration.between(now, start.plus(window)));
                }
              }
            }
          }
          return Optional.empty();
        });
  }

  /** Counts a failed login against the login and the address, and forgets expired windows. */
  CompletionStage<Void> failed(UUID userId, String address) {
    Instant start = windowStart(clock.instant());
    return database.query(
        c -> {
          count(c, loginKey(userId), start);
          count(c, addressKey(address), start);
          try (PreparedStatement ps =
              c.prepareStatement("DELETE FROM login_failures WHERE window_start < ?")) {
            ps.setTimestamp(1, Timestamp.from(start.minus(window)));
            ps.executeUpdate();
          }
          return null;
        });
  }

  private static void count(Connection c, String key, Instant start) throws SQLException {
    try (PreparedStatement ps =
        c.prepareStatement(
            "INSERT INTO login_failures (key, window_start, failures) VALUES (?, ?, 1)"
                + " ON CONFLICT (key, window_start)"
                + " DO UPDATE SET failures = login_failures.failures + 1")) {
      ps.setString(1, key);
      ps.setTimestamp(2, Timestamp.from(start));
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
