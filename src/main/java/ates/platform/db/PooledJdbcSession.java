package ates.platform.db;

import akka.japi.function.Function;
import akka.projection.jdbc.JdbcSession;
import java.sql.Connection;
import java.sql.SQLException;

/** A {@link JdbcSession} over one pooled connection, in one transaction. */
public final class PooledJdbcSession implements JdbcSession {

  private final Connection connection;

  PooledJdbcSession(Connection connection) throws SQLException {
    this.connection = connection;
    connection.setAutoCommit(false);
  }

  @Override
  public <Result> Result withConnection(Function<Connection, Result> func) throws Exception {
    return func.apply(connection);
  }

  @Override
  public void commit() throws SQLException {
    connection.commit();
  }

  @Override
  public void rollback() throws SQLException {
    connection.rollback();
  }

  @Override
  public void close() throws SQLException {
    try {
      connection.setAutoCommit(true);
    } finally {
      connection.close();
    }
  }
}
