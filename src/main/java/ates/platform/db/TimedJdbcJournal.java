package ates.platform.db;

import akka.actor.typed.javadsl.Adapter;
import akka.persistence.AtomicWrite;
import ates.platform.Metrics;
import com.typesafe.config.Config;
import scala.collection.immutable.Seq;
import scala.concurrent.Future;
import scala.runtime.BoxedUnit;
import scala.util.Try;

/**
 * akka-persistence-jdbc's journal, timing each write request: from the moment the plugin is asked
 * to write the events of one persist call (one or more {@link AtomicWrite}s) until its future
 * completes, which includes the plugin's own queueing and batching into JDBC inserts, and not the
 * time the entity's message waits in the journal actor's mailbox. A failed future (the database
 * failed; the entity stops and restarts) or a rejected write (an event that cannot be serialized)
 * counts as a failure. Exported as {@code ates_journal_write_duration_seconds{journal}} and {@code
 * ates_journal_write_failures_total{journal}}; the plugin id is the label.
 */
public final class TimedJdbcJournal extends akka.persistence.jdbc.journal.JdbcAsyncWriteJournal {

  private final Metrics metrics;
  private final String journal;

  public TimedJdbcJournal(Config config, String configPath) {
    super(config);
    this.metrics = Metrics.of(Adapter.toTyped(context().system()));
    this.journal = configPath;
  }

  @Override
  public Future<Seq<Try<BoxedUnit>>> asyncWriteMessages(Seq<AtomicWrite> messages) {
    long start = System.nanoTime();
    Future<Seq<Try<BoxedUnit>>> result = super.asyncWriteMessages(messages);
    result.onComplete(
        outcome -> {
          boolean failed =
              outcome.isFailure() || outcome.get().exists(attempt -> attempt.isFailure());
          metrics.journalWrite(journal, (System.nanoTime() - start) / 1e9, failed);
          return BoxedUnit.UNIT;
        },
        context().dispatcher());
    return result;
  }
}
