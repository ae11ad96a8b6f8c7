package ates.platform.http;

import ates.contract.Role;
import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.MACSigner;
import com.nimbusds.jose.crypto.MACVerifier;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.text.ParseException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Date;
import java.util.Optional;
import java.util.UUID;
import java.util.function.Predicate;
import java.util.regex.Pattern;

/**
 * Issues and verifies the HS256 JWTs of aTES with Nimbus JOSE+JWT. Every service verifies tokens
 * itself with the shared secret: subject = user id, plus the login and role.
 */
public final class JwtService {

  public record Token(String token, Instant expiresAt) {}

  /** Issue time in milliseconds ({@code iat} has seconds only), to compare with role changes. */
  private static final String ISSUED_AT_MILLIS = "iat_ms";

  private static final Pattern COMPACT =
      Pattern.compile("[A-Za-z0-9_-]+\\.[A-Za-z0-9_-]+\\.[A-Za-z0-9_-]+");

  private static final int MIN_SECRET_BYTES = 32;

  private final MACSigner signer;
  private final MACVerifier verifier;
  private final String issuer;
  private final Duration ttl;
  private final Clock clock;
  private final Predicate<Principal> current;

  /** A service that accepts every well-signed, unexpired token (tests issue tokens with it). */
  public JwtService(byte[] secret, String issuer, Duration ttl, Clock clock) {
    this(secret, issuer, ttl, clock, principal -> true);
  }

  /**
   * @param current whether a verified token still stands for its user's current role (false for a
   *     token older than the user's last role change: {@link UserRoles#accepts})
   */
  public JwtService(
      byte[] secret, String issuer, Duration ttl, Clock clock, Predicate<Principal> current) {
    if (secret.length < MIN_SECRET_BYTES)
      throw new IllegalArgumentException("JWT secret must have at least 32 bytes");
    try {
      this.signer = new MACSigner(secret);
      this.verifier = new MACVerifier(secret);
    } catch (JOSEException e) {
      throw new IllegalArgumentException("Unusable JWT secret: " + e.getMessage(), e);
    }
    this.issuer = issuer;
    this.ttl = ttl;
    this.clock = clock;
    this.current = current;
  }

  /**
   * The secret from {@code ATES_JWT_SECRET}; on the embedded default without one, a random secret
   * generated once and kept (owner-readable only) under the data directory.
   */
  public static byte[] secret(String configured, boolean embedded, Path dataDir) {
    if (!configured.isBlank()) return configured.getBytes(StandardCharsets.UTF_8);
    if (!embedded)
      throw new IllegalStateException(
          "ATES_JWT_SECRET is required when the node does not run on the embedded default");
    Path file = dataDir.resolve("jwt-secret");
    try {
      if (Files.exists(file)) {
        return Base64.getDecoder().decode(Files.readString(file).trim());
      }
      byte[] secret = new byte[48];
      new SecureRandom().nextBytes(secret);
      Files.createDirectories(dataDir);
      Path tmp = Files.createTempFile(dataDir, "jwt-secret", ".tmp");
      Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rw-------"));
      Files.writeString(tmp, Base64.getEncoder().encodeToString(secret));
      Files.move(tmp, file, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
      return secret;
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot keep the JWT secret under " + dataDir, e);
    }
  }

  public Token issue(UUID userId, String login, Role role) {
    Instant now = clock.instant();
    Instant expires = now.plus(ttl);
    JWTClaimsSet claims =
        new JWTClaimsSet.Builder()
            .issuer(issuer)
            .subject(userId.toString())
            .claim("login", login)
            .claim("role", role.wireName())
            .issueTime(Date.from(now))
            .claim(ISSUED_AT_MILLIS, now.toEpochMilli())
            .expirationTime(Date.from(expires))
            .jwtID(UUID.randomUUID().toString())
            .build();
    SignedJWT jwt = new SignedJWT(new JWSHeader(JWSAlgorithm.HS256), claims);
    try {
      jwt.sign(signer);
    } catch (JOSEException e) {
      throw new IllegalStateException("Cannot sign token", e);
    }
    return new Token(jwt.serialize(), expires);
  }

  /**
   * The principal of a valid, unexpired, current token signed with our secret; empty otherwise.
   * Parsing is strict: three canonical base64url parts without padding, so a token that differs
   * from the one issued in any character (even in unused bits of the last one) is refused.
   */
  public Optional<Principal> verify(String token) {
    if (!isCanonical(token)) return Optional.empty();
    try {
      SignedJWT jwt = SignedJWT.parse(token);
      if (!JWSAlgorithm.HS256.equals(jwt.getHeader().getAlgorithm())) return Optional.empty();
      if (!jwt.verify(verifier)) return Optional.empty();
      JWTClaimsSet claims = jwt.getJWTClaimsSet();
      Date exp = claims.getExpirationTime();
      if (exp == null || !exp.toInstant().isAfter(clock.instant())) return Optional.empty();
      if (!issuer.equals(claims.getIssuer())) return Optional.empty();
      Optional<Role> role = Role.parse(claims.getStringClaim("role"));
      String login = claims.getStringClaim("login");
      if (role.isEmpty() || login == null || claims.getSubject() == null) return Optional.empty();
      Long millis = claims.getLongClaim(ISSUED_AT_MILLIS);
      Date iat = claims.getIssueTime();
      if (millis == null && iat == null) return Optional.empty();
      Instant issuedAt = millis != null ? Instant.ofEpochMilli(millis) : iat.toInstant();
      Principal principal =
          new Principal(UUID.fromString(claims.getSubject()), login, role.get(), issuedAt);
      return current.test(principal) ? Optional.of(principal) : Optional.empty();
    } catch (ParseException | JOSEException | IllegalArgumentException e) {
      return Optional.empty();
    }
  }

  /** Three base64url parts, each exactly as a strict encoder writes its bytes back. */
  private static boolean isCanonical(String token) {
    if (token.length() > 8192 || !COMPACT.matcher(token).matches()) return false;
    Base64.Decoder decoder = Base64.getUrlDecoder();
    Base64.Encoder encoder = Base64.getUrlEncoder().withoutPadding();
    for (String part : token.split("\\.")) {
      try {
        if (!encoder.encodeToString(decoder.decode(part)).equals(part)) return false;
      } catch (IllegalArgumentException e) {
        return false;
      }
    }
    return true;
  }
}
