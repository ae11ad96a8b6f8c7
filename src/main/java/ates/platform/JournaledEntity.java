package ates.platform;

import akka.actor.typed.SupervisorStrategy;
import akka.cluster.sharding.typed.javadsl.EntityTypeKey;
import akka.persistence.typed.PersistenceId;
import akka.persistence.typed.javadsl.EventSourcedBehaviorWithEnforcedReplies;
import java.time.Duration;

/**
 * An event-sourced entity of a service: journaled to its service's own database (the journal and
 * snapshot plugins of {@link Journal}), restarted with backoff when its journal fails.
 */
public abstract class JournaledEntity<C, E, S> extends EventSourcedBehaviorWithEnforcedReplies<C, E, S> {

  /** The journal and snapshot plugins of a service's database; empty ids are Akka's defaults (tests). */
  public record Journal(String journalPluginId, String snapshotPluginId) {
    public static final Journal DEFAULT = new Journal("", "");
  }

  private final Journal journal;

  protected JournaledEntity(EntityTypeKey<C> typeKey, String entityId, Journal journal) {
    super(
        PersistenceId.of(typeKey.name(), entityId),
        SupervisorStrategy.restartWithBackoff(Duration.ofMillis(200), Duration.ofSeconds(5), 0.1));
    this.journal = journal;
  }

  @Override
  public final String journalPluginId() {
    return journal.journalPluginId();
  }

  @Override
  public final String snapshotPluginId() {
    return journal.snapshotPluginId();
  }
}
