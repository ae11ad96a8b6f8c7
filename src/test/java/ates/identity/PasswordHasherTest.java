package ates.identity;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class PasswordHasherTest {

  private final PasswordHasher hasher = new PasswordHasher(1000);

  @Test
  void a_hash_verifies_its_password_only() {
    String hash = hasher.hash("correct horse");
    assertTrue(hasher.verify("correct horse", hash));
    assertFalse(hasher.verify("correct horsf", hash));
    assertTrue(hash.startsWith("pbkdf2-sha512$1000$"));
  }

  @Test
  void hashes_are_salted() {
    assertNotEquals(hasher.hash("same"), hasher.hash("same"));
  }

  @Test
  void a_hash_keeps_its_iteration_count() {
    String old = new PasswordHasher(500).hash("pw");
    assertTrue(hasher.verify("pw", old));
  }

  @Test
  void garbage_never_verifies() {
    assertFalse(hasher.verify("pw", "plain-text"));
    assertFalse(hasher.verify("pw", "md5$1$x$y"));
  }
}
