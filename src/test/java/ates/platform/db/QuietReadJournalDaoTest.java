package ates.platform.db;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import akka.actor.testkit.typed.javadsl.ActorTestKit;
import akka.actor.typed.javadsl.Adapter;
import akka.persistence.jdbc.config.ReadJournalConfig;
import akka.serialization.SerializationExtension;
import akka.stream.Materializer;
import akka.stream.javadsl.Sink;
import ates.testing.IntegrationTest;
import ates.testing.JournalRows;
import ates.testing.TestInfra;
import java.lang.reflect.Proxy;
import java.sql.Connection;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import javax.sql.DataSource;
import org.junit.jupiter.api.Test;
import slick.jdbc.JdbcBackend;
import slick.util.AsyncExecutor;

/**
 * The read journal's DAO of the shipped settings: an empty range of {@code ordering} (an idle
 * projection's poll) is answered without a connection to the database; any other range is read from
 * it.
 */
@IntegrationTest
class QuietReadJournalDaoTest {

  @Test
  void an_empty_range_takes_no_connection_and_a_range_with_an_event_reads_it() throws Exception {
    try (ServiceDatabase db = TestInfra.freshDatabase("tasks")) {
      long ordering;
      try (Connection c = db.dataSource().getConnection()) {
        ordering = JournalRows.insertTagged(c, "quiet-1", "only", "quiet");
      }
      var config = JournalGapTest.shipped(db.dataSource().getJdbcUrl());
      assertEquals(QuietReadJournalDao.class.getName(), config.getString("ates.tasks.query.dao"));

      AtomicInteger connections = new AtomicInteger();
      DataSource counting =
          (DataSource)
              Proxy.newProxyInstance(
                  getClass().getClassLoader(),
                  new Class<?>[] {DataSource.class},
                  (proxy, method, args) -> {
                    if (method.getName().equals("getConnection")) connections.incrementAndGet();
                    return method.invoke(db.dataSource(), args);
                  });
      ActorTestKit kit = ActorTestKit.create("quiet-dao", config);
      JdbcBackend.DatabaseDef journalDb =
          slick.jdbc.JdbcBackend$.MODULE$
              .Database()
              .forDataSource(
                  counting,
                  scala.Option.apply(2),
                  AsyncExecutor.apply("quiet-dao", 2, 2, 100, 2),
                  false);
      try {
        Materializer mat = Materializer.matFromSystem(kit.system());
        QuietReadJournalDao dao =
            new QuietReadJournalDao(
                journalDb,
                slick.jdbc.PostgresProfile$.MODULE$,
                new ReadJournalConfig(config.getConfig("ates.tasks.query")),
                SerializationExtension.get(Adapter.toClassic(kit.system())),
                kit.system().executionContext(),
                mat);

        List<?> none =
            dao.eventsByTag("quiet", ordering, ordering, 100)
                .asJava()
                .runWith(Sink.seq(), mat)
                .toCompletableFuture()
                .get(10, TimeUnit.SECONDS);
        assertEquals(List.of(), none);
        assertEquals(0, connections.get(), "connections taken for an empty range");

        List<?> one =
            dao.eventsByTag("quiet", ordering - 1, ordering, 100)
                .asJava()
                .runWith(Sink.seq(), mat)
                .toCompletableFuture()
                .get(10, TimeUnit.SECONDS);
        assertEquals(1, one.size());
        assertTrue(connections.get() >= 1, "the event is read from the database");
      } finally {
        journalDb.close();
        kit.shutdownTestKit();
      }
    }
  }
}
