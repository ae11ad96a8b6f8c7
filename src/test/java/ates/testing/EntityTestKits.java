package ates.testing;

import akka.actor.testkit.typed.javadsl.ActorTestKit;
import akka.persistence.testkit.javadsl.EventSourcedBehaviorTestKit;
import com.typesafe.config.ConfigFactory;

/**
 * An actor system for entity tests: a local provider, the persistence testkit's in-memory journal
 * and the project's serialization bindings, so the testkit verifies that every command, event,
 * reply and state serializes with the binding production uses.
 */
public final class EntityTestKits {

  private EntityTestKits() {}

  public static ActorTestKit create(String name) {
    return ActorTestKit.create(
        name,
        ConfigFactory.parseString("akka.actor.provider = local")
            .withFallback(EventSourcedBehaviorTestKit.config())
            .withFallback(ConfigFactory.parseResources("serialization.conf"))
            .withFallback(ConfigFactory.defaultReference())
            .resolve());
  }
}
