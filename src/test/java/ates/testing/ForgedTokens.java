package ates.testing;

import ates.contract.Role;
import ates.platform.http.JwtService;
import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.MACSigner;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Date;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * Tokens a node must refuse, made from a real one: tampered, padded, signed with another key or
 * algorithm, expired, from another issuer, unsigned. Each is named, for failure reports.
 */
public final class ForgedTokens {

  private static final String ALPHABET =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

  private ForgedTokens() {}

  /**
   * The token with the last character of one of its three segments replaced by each character that
   * base64url-decodes to the same bytes (the unused low bits of the last character differ): a
   * different string, the same signature bytes. Empty when the segment has no unused bits.
   */
  public static List<String> sameBytesDifferentText(String token, int segment) {
    String[] parts = token.split("\\.", -1);
    String part = parts[segment];
    int unusedBits =
        switch (part.length() % 4) {
          case 2 -> 4;
          case 3 -> 2;
          default -> 0;
        };
    List<String> out = new ArrayList<>();
    if (unusedBits == 0) return out;
    int last = ALPHABET.indexOf(part.charAt(part.length() - 1));
    for (int v = 0; v < 64; v++) {
      if (v != last && v >> unusedBits == last >> unusedBits) {
        String[] copy = parts.clone();
        copy[segment] = part.substring(0, part.length() - 1) + ALPHABET.charAt(v);
        out.add(String.join(".", copy));
      }
    }
    return out;
  }

  /** A forged token per way of forging one from {@code token}, by name. */
  public static Map<String, String> of(String token) {
    Map<String, String> forged = new LinkedHashMap<>();
    String[] parts = token.split("\\.", -1);
    for (int s = 0; s < 3; s++) {
      List<String> siblings = sameBytesDifferentText(token, s);
      if (!siblings.isEmpty())
        forged.put("segment " + s + " last character changed, same bytes", siblings.get(0));
    }
    forged.put("'=' appended", token + "=");
    forged.put("'==' appended", token + "==");
    forged.put("signature flipped", parts[0] + "." + parts[1] + "." + flip(parts[2]));
    forged.put("signature removed", parts[0] + "." + parts[1] + ".");
    forged.put("no signature segment", parts[0] + "." + parts[1]);
    forged.put(
        "payload with role admin, old signature",
        parts[0] + "." + withRoleAdmin(parts[1]) + "." + parts[2]);
    forged.put("alg none", b64("{\"alg\":\"none\"}") + "." + parts[1] + ".");
    forged.put(
        "base64 instead of base64url",
        token.replace('-', '+').replace('_', '/')
            + (token.contains("-") || token.contains("_") ? "" : "+"));
    forged.put("whitespace inside", parts[0] + ". " + parts[1] + "." + parts[2]);
    forged.put("four segments", token + ".AAAA");
    forged.put("empty segments", "..");
    byte[] otherSecret =
        "another-secret-another-secret-another-secret-01".getBytes(StandardCharsets.UTF_8);
    UUID subject = subject(parts[1]);
    forged.put(
        "signed with another secret",
        new JwtService(otherSecret, "ates", Duration.ofHours(1), Clock.systemUTC())
            .issue(subject, "admin", Role.ADMIN)
            .token());
    byte[] secret = TestInfra.JWT_SECRET.getBytes(StandardCharsets.UTF_8);
    forged.put(
        "expired",
        new JwtService(
                secret,
                "ates",
                Duration.ofMinutes(1),
                Clock.fixed(Instant.now().minus(Duration.ofHours(2)), ZoneOffset.UTC))
            .issue(subject, "admin", Role.ADMIN)
            .token());
    forged.put(
        "another issuer",
        new JwtService(secret, "evil", Duration.ofHours(1), Clock.systemUTC())
            .issue(subject, "admin", Role.ADMIN)
            .token());
    forged.put("HS512 with the right secret", hs512(secret, subject));
    return forged;
  }

  private static String hs512(byte[] secret, UUID subject) {
    try {
      JWTClaimsSet claims =
          new JWTClaimsSet.Builder()
              .issuer("ates")
              .subject(subject.toString())
              .claim("login", "admin")
              .claim("role", "admin")
              .issueTime(new Date())
              .expirationTime(Date.from(Instant.now().plus(Duration.ofHours(1))))
              .build();
      byte[] longSecret = new byte[64];
      System.arraycopy(secret, 0, longSecret, 0, Math.min(secret.length, 64));
      SignedJWT jwt = new SignedJWT(new JWSHeader(JWSAlgorithm.HS512), claims);
      jwt.sign(new MACSigner(longSecret));
      return jwt.serialize();
    } catch (JOSEException e) {
      throw new IllegalStateException(e);
    }
  }

  private static UUID subject(String payload) {
    String json = new String(Base64.getUrlDecoder().decode(payload), StandardCharsets.UTF_8);
    int at = json.indexOf("\"sub\":\"") + 7;
    return UUID.fromString(json.substring(at, at + 36));
  }

  private static String withRoleAdmin(String payload) {
    String json = new String(Base64.getUrlDecoder().decode(payload), StandardCharsets.UTF_8);
    return b64(
        json.replaceAll("\"role\":\"[a-z]+\"", "\"role\":\"admin\"")
            .replace("\"exp\":", "\"x\":0,\"exp\":"));
  }

  private static String flip(String signature) {
    char first = signature.charAt(0);
    return (first == 'A' ? 'B' : 'A') + signature.substring(1);
  }

  private static String b64(String json) {
    return Base64.getUrlEncoder()
        .withoutPadding()
        .encodeToString(json.getBytes(StandardCharsets.UTF_8));
  }
}
