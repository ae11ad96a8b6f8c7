package ates.testing;

import ates.platform.db.ServiceDatabase;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Rows of a test database, each a map from column name to value, read on a pooled connection. */
public final class Rows {

  private Rows() {}

  public static List<Map<String, Object>> query(ServiceDatabase db, String sql, Object... params) {
    try (Connection c = db.dataSource().getConnection();
        PreparedStatement ps = c.prepareStatement(sql)) {
      for (int i = 0; i < params.length; i++) ps.setObject(i + 1, params[i]);
      List<Map<String, Object>> rows = new ArrayList<>();
      try (ResultSet rs = ps.executeQuery()) {
        ResultSetMetaData meta = rs.getMetaData();
        while (rs.next()) {
          Map<String, Object> row = new LinkedHashMap<>();
          for (int col = 1; col <= meta.getColumnCount(); col++) {
            row.put(meta.getColumnLabel(col), rs.getObject(col));
          }
          rows.add(row);
        }
      }
      return rows;
    } catch (SQLException e) {
      throw new IllegalStateException(sql + ": " + e.getMessage(), e);
    }
  }

  /** The one row {@code sql} selects; fails when there is none or several. */
  public static Map<String, Object> one(ServiceDatabase db, String sql, Object... params) {
    List<Map<String, Object>> rows = query(db, sql, params);
    if (rows.size() != 1) throw new AssertionError("expected one row of " + sql + ", got " + rows);
    return rows.get(0);
  }
}
