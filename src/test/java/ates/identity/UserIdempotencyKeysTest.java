package ates.identity;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import akka.actor.testkit.typed.javadsl.ActorTestKit;
import ates.contract.Role;
import ates.platform.db.ServiceDatabase;
import ates.testing.ReadModelTestKit;
import ates.testing.TestInfra;
import java.time.Clock;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Claiming Idempotency-Keys of POST /api/users in a real, migrated identity database. */
class UserIdempotencyKeysTest {

  private static ActorTestKit testKit;
  private static ServiceDatabase database;
  private static UserIdempotencyKeys keys;

  @BeforeAll
  static void start() {
    testKit = ReadModelTestKit.actorTestKit("UserIdempotencyKeysTest");
    database = TestInfra.freshDatabase("identity");
    database.useDispatcherOf(testKit.system());
    keys = new UserIdempotencyKeys(database, Clock.systemUTC());
  }

  @AfterAll
  static void stop() {
    database.close();
    testKit.shutdownTestKit();
  }

  private static final UserIdempotencyKeys.Request POPUG =
      new UserIdempotencyKeys.Request("popug", "Popug", "popug@ex.com", Role.WORKER);

  private static boolean claim(User.RequestKey key, UserIdempotencyKeys.Request request) {
    return keys.claim(key, request).toCompletableFuture().join();
  }

  @Test
  void the_first_request_claims_the_key_and_only_the_same_body_matches_it_later() {
    User.RequestKey key = new User.RequestKey(UUID.randomUUID(), "k-1");

    assertTrue(claim(key, POPUG), "claimed now");
    assertTrue(claim(key, POPUG), "the same request again");
    for (var other :
        List.of(
            new UserIdempotencyKeys.Request("popug2", "Popug", "popug@ex.com", Role.WORKER),
            new UserIdempotencyKeys.Request("popug", "Popug 2", "popug@ex.com", Role.WORKER),
            new UserIdempotencyKeys.Request("popug", "Popug", "popug2@ex.com", Role.WORKER),
            new UserIdempotencyKeys.Request("popug", "Popug", "popug@ex.com", Role.ADMIN))) {
      assertFalse(claim(key, other), other.toString());
    }
    assertTrue(claim(key, POPUG), "still the first request's key");
  }

  @Test
  void keys_are_per_caller() {
    String value = "shared-" + UUID.randomUUID();
    User.RequestKey mine = new User.RequestKey(UUID.randomUUID(), value);
    User.RequestKey theirs = new User.RequestKey(UUID.randomUUID(), value);
    var other = new UserIdempotencyKeys.Request("other", "Other", "other@ex.com", Role.WORKER);

    assertTrue(claim(mine, POPUG));
    assertTrue(claim(theirs, other));
  }

  @Test
  void of_concurrent_requests_with_one_key_and_different_bodies_exactly_one_wins() {
    User.RequestKey key = new User.RequestKey(UUID.randomUUID(), "race");
    List<CompletableFuture<Boolean>> claims =
        IntStream.range(0, 8)
            .mapToObj(
                i ->
                    keys.claim(
                            key,
                            new UserIdempotencyKeys.Request(
                                "popug" + i, "Popug", "p@ex.com", Role.WORKER))
                        .toCompletableFuture())
            .toList();

    long won =
        claims.stream().map(f -> f.orTimeout(10, TimeUnit.SECONDS).join()).filter(b -> b).count();
    assertEquals(1, won);
  }

  @Test
  void fields_are_delimited_in_the_fingerprint() {
    var a = new UserIdempotencyKeys.Request("ab", "c", "e@ex.com", Role.WORKER);
    var b = new UserIdempotencyKeys.Request("a", "bc", "e@ex.com", Role.WORKER);

    assertNotEquals(a.fingerprint(), b.fingerprint());
    assertEquals(64, a.fingerprint().length());
    assertEquals(
        a.fingerprint(),
        new UserIdempotencyKeys.Request("ab", "c", "e@ex.com", Role.WORKER).fingerprint());
  }
}
