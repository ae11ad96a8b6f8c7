package ates.contract;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** The pricing policy of events.md: fee 1000..2000, reward 2000..4000 cents, bounds included. */
class TaskPriceTest {

  @Test
  void random_prices_stay_in_their_ranges_and_reach_both_bounds() {
    SplittableRandom random = new SplittableRandom(42);
    long minFee = Long.MAX_VALUE, maxFee = Long.MIN_VALUE;
    long minReward = Long.MAX_VALUE, maxReward = Long.MIN_VALUE;
    for (int i = 0; i < 200_000; i++) {
      TaskPrice p = TaskPrice.random(random);
      minFee = Math.min(minFee, p.assignFee());
      maxFee = Math.max(maxFee, p.assignFee());
      minReward = Math.min(minReward, p.completionReward());
      maxReward = Math.max(maxReward, p.completionReward());
    }
    assertEquals(1000, minFee);
    assertEquals(2000, maxFee);
    assertEquals(2000, minReward);
    assertEquals(4000, maxReward);
  }

  @Test
  void a_price_outside_the_policy_is_refused() {
    assertThrows(IllegalArgumentException.class, () -> new TaskPrice(999, 3000));
    assertThrows(IllegalArgumentException.class, () -> new TaskPrice(2001, 3000));
    assertThrows(IllegalArgumentException.class, () -> new TaskPrice(1500, 1999));
    assertThrows(IllegalArgumentException.class, () -> new TaskPrice(1500, 4001));
    assertTrue(new TaskPrice(1000, 4000).assignFee() == 1000);
  }
}
