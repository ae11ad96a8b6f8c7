package ates.platform.db;

import akka.NotUsed;
import akka.persistence.PersistentRepr;
import akka.persistence.jdbc.config.ReadJournalConfig;
import akka.persistence.jdbc.query.dao.DefaultReadJournalDao;
import akka.serialization.Serialization;
import akka.stream.Materializer;
import akka.stream.scaladsl.Source;
import scala.Tuple3;
import scala.concurrent.ExecutionContext;
import scala.util.Try;
import slick.jdbc.JdbcBackend;
import slick.jdbc.JdbcProfile;

/**
 * The jdbc read journal's DAO (conf/persistence.conf, {@code read-journal.dao}), without the
 * queries that cannot return a row. An idle {@code eventsByTag} stream asks for the events after
 * its offset up to the journal's highest complete {@code ordering}; when nothing was written, both
 * are the same and akka-persistence-jdbc 5.2.1 still sends the query ({@code ordering > n AND
 * ordering <= n}), every refresh interval, for every projection instance. This answers such an
 * empty range at once and leaves every other query to the plugin.
 */
public final class QuietReadJournalDao extends DefaultReadJournalDao {

  /** The constructor akka-persistence-jdbc calls by reflection. */
  public QuietReadJournalDao(
      JdbcBackend.DatabaseDef db,
      JdbcProfile profile,
      ReadJournalConfig readJournalConfig,
      Serialization serialization,
      ExecutionContext ec,
      Materializer mat) {
    super(db, profile, readJournalConfig, serialization, ec, mat);
  }

  /** Events tagged {@code tag} with {@code offset < ordering <= maxOffset}, at most {@code max}. */
  @Override
  public Source<
          Try<Tuple3<PersistentRepr, scala.collection.immutable.Set<String>, Object>>, NotUsed>
      eventsByTag(String tag, long offset, long maxOffset, long max) {
    if (maxOffset <= offset) return Source.empty();
    return super.eventsByTag(tag, offset, maxOffset, max);
  }
}
