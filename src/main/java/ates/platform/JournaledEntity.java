package ates.platform;

import akka.actor.typed.SupervisorStrategy;
import akka.cluster.sharding.typed.javadsl.EntityTypeKey;
import akka.persistence.typed.PersistenceId;
import akka.persistence.typed.SnapshotSelectionCriteria;
import akka.persistence.typed.javadsl.EventSourcedBehaviorWithEnforcedReplies;
import akka.persistence.typed.javadsl.Recovery;
import java.time.Duration;
import java.util.Set;

/**
 * An event-sourced entity of a service: journaled to its service's own database (the journal and
 * snapshot plugins of {@link Journal}), restarted with backoff when its journal fails, each event
 * tagged with the entity's tag of {@link Tags}. An entity without snapshots recovers without asking
 * the snapshot store.
 */
public abstract class JournaledEntity<C, E, S>
    extends EventSourcedBehaviorWithEnforcedReplies<C, E, S> {

  /**
   * The journal and snapshot plugins of a service's database; empty ids are Akka's defaults
   * (tests).
   */
  public record Journal(String journalPluginId, String snapshotPluginId) {
    public static final Journal DEFAULT = new Journal("", "");
  }

  private final Journal journal;
  private final Set<String> tags;
  private final boolean snapshots;

  protected JournaledEntity(
      EntityTypeKey<C> typeKey, String entityId, Journal journal, Tags tags, boolean snapshots) {
    super(
        PersistenceId.of(typeKey.name(), entityId),
        SupervisorStrategy.restartWithBackoff(Duration.ofMillis(200), Duration.ofSeconds(5), 0.1));
    this.journal = journal;
    this.tags = Set.of(tags.forEntity(entityId));
    this.snapshots = snapshots;
  }

  @Override
  public Set<String> tagsFor(E event) {
    return tags;
  }

  @Override
  public Recovery recovery() {
    return snapshots
        ? super.recovery()
        : Recovery.withSnapshotSelectionCriteria(SnapshotSelectionCriteria.none());
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
