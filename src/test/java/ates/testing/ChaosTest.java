package ates.testing;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import org.junit.jupiter.api.Tag;

/**
 * A chaos experiment: faults injected into a three-node cluster under load. Tagged {@code chaos}:
 * only {@code mvn verify -Pchaos} runs these (README, "Chaos").
 */
@Target(ElementType.TYPE)
@Retention(RetentionPolicy.RUNTIME)
@Tag(ChaosTest.TAG)
public @interface ChaosTest {
  String TAG = "chaos";
}
