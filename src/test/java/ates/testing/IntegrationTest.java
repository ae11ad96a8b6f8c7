package ates.testing;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import org.junit.jupiter.api.Tag;

/**
 * A slow test: it starts Kafka, a node or a node process (end-to-end and crash tests). Tagged
 * {@code integration}: {@code mvn test} runs these after all the others, and {@code mvn test
 * -Punit} leaves them out (README, "Tests").
 */
@Target(ElementType.TYPE)
@Retention(RetentionPolicy.RUNTIME)
@Tag(IntegrationTest.TAG)
public @interface IntegrationTest {
  String TAG = "integration";
}
