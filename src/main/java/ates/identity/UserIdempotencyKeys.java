package ates.identity;

import ates.contract.Role;
import ates.platform.db.ServiceDatabase;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Clock;
import java.util.HexFormat;
import java.util.concurrent.CompletionStage;

/**
 * The Idempotency-Keys of {@code POST /api/users}, in the identity database, so every identity node
 * and every later start sees the same keys. A key is claimed by the first request that brings it,
 * with the fingerprint of that request's body; a later request with the key is the same request
 * only when its fingerprint matches. The fingerprint is a SHA-256 of login, full name, email and
 * role; it leaves the password out, because a fast hash of a password is something an attacker can
 * reverse by guessing (a retry with another password is thus the same request and answers the first
 * user, whose password stays the first one).
 *
 * <p>The claim is one {@code INSERT … ON CONFLICT DO NOTHING} and one read of the row: concurrent
 * requests with one key all read the fingerprint of whichever inserted first, never a
 * read-modify-write race.
 */
final class UserIdempotencyKeys {

  /** The body of a registration as far as its key is concerned. */
  record Request(String login, String fullName, String email, Role role) {

    /** SHA-256 (hex) of the fields, each prefixed by its length, so no two bodies share one. */
    String fingerprint() {
      StringBuilder sb = new StringBuilder();
      for (String field : new String[] {login, fullName, email, role.wireName()}) {
        sb.append(field.length()).append(':').append(field).append(';');
      }
      try {
        return HexFormat.of()
            .formatHex(
                MessageDigest.getInstance("SHA-256")
                    .digest(sb.toString().getBytes(StandardCharsets.UTF_8)));
      } catch (NoSuchAlgorithmException e) {
        throw new IllegalStateException("SHA-256 is missing from this JVM", e);
      }
    }
  }

  private final ServiceDatabase database;
  private final Clock clock;

  UserIdempotencyKeys(ServiceDatabase database, Clock clock) {
    this.database = database;
    this.clock = clock;
  }

  /**
   * Claims the caller's key for this request, unless it is claimed already; true when the key
   * stands for this request (claimed now, or earlier by a request with the same fingerprint), false
   * when it stands for another one.
   */
  CompletionStage<Boolean> claim(User.RequestKey key, Request request) {
    String fingerprint = request.fingerprint();
    return database.query(
        c -> {
          insertUnlessPresent(c, key, fingerprint, request.login());
          return fingerprint.equals(fingerprintOf(c, key));
        });
  }

  private void insertUnlessPresent(
      Connection c, User.RequestKey key, String fingerprint, String login) throws SQLException {
    try (PreparedStatement ps =
        c.prepareStatement(
            "INSERT INTO user_idempotency_keys (caller, idem_key, fingerprint, login, created_at)"
                + " VALUES (?, ?, ?, ?, ?) ON CONFLICT (caller, idem_key) DO NOTHING")) {
      ps.setObject(1, key.caller());
      ps.setString(2, key.key());
      ps.setString(3, fingerprint);
      ps.setString(4, login);
      ps.setTimestamp(5, Timestamp.from(clock.instant()));
      ps.executeUpdate();
    }
  }

  private static String fingerprintOf(Connection c, User.RequestKey key) throws SQLException {
    try (PreparedStatement ps =
        c.prepareStatement(
            "SELECT fingerprint FROM user_idempotency_keys WHERE caller = ? AND idem_key = ?")) {
      ps.setObject(1, key.caller());
      ps.setString(2, key.key());
      try (ResultSet rs = ps.executeQuery()) {
        if (!rs.next()) throw new SQLException("the idempotency key row vanished");
        return rs.getString("fingerprint");
      }
    }
  }
}
