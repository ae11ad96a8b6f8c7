package ates.tasks;

import akka.actor.typed.ActorSystem;
import ates.platform.db.ReadModelProjection;
import ates.platform.db.RebuildableReadModel;
import ates.platform.db.ServiceDatabase;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletionStage;

/**
 * The tasks read model ("my tasks"): the {@code tasks} table, kept by an exactly-once grouped
 * akka-projection-jdbc projection per tag — a group of rows and the projection offset are written
 * in one transaction, so a crash never loses or doubles an update. Updates are keyed by task and
 * guarded by the assignment number, so they commute with nothing else.
 */
public final class TaskReadModel {

  /** The {@code tasks} table, rebuilt from the tasks journal alone. */
  static final RebuildableReadModel READ_MODEL =
      new RebuildableReadModel("tasks-read-model", List.of("tasks"));

  private final ServiceDatabase database;

  TaskReadModel(ServiceDatabase database) {
    this.database = database;
  }

  void startProjection(ActorSystem<?> system, String readJournalPluginId) {
    ReadModelProjection.<Task.Event>start(
        system,
        READ_MODEL.projection(),
        Task.TAGS.all(),
        readJournalPluginId,
        database,
        TasksService.NAME,
        (c, envelope) -> apply(c, envelope.event()));
  }

  static void apply(Connection c, Task.Event event) throws SQLException {
    if (event instanceof Task.Created e) {
      try (PreparedStatement ps =
          c.prepareStatement(
              "INSERT INTO tasks (task_id, title, jira_id, description, status, assignee_id,"
                  + " assignment_no, assign_fee, completion_reward, created_by, created_at)"
                  + " VALUES (?, ?, ?, ?, 'open', ?, 0, ?, ?, ?, ?) ON CONFLICT (task_id) DO NOTHING")) {
        ps.setObject(1, e.taskId());
        ps.setString(2, e.title());
        ps.setString(3, e.jiraId());
        ps.setString(4, e.description());
        ps.setObject(5, e.assigneeId());
        ps.setLong(6, e.assignFee());
        ps.setLong(7, e.completionReward());
        ps.setObject(8, e.createdBy());
        ps.setTimestamp(9, Timestamp.from(e.createdAt()));
        ps.executeUpdate();
      }
    } else if (event instanceof Task.Assigned e) {
      try (PreparedStatement ps =
          c.prepareStatement(
              "UPDATE tasks SET assignee_id = ?, assignment_no = ? WHERE task_id = ? AND assignment_no < ?")) {
        ps.setObject(1, e.assigneeId());
        ps.setInt(2, e.assignmentNo());
        ps.setObject(3, e.taskId());
        ps.setInt(4, e.assignmentNo());
        ps.executeUpdate();
      }
    } else if (event instanceof Task.Completed e) {
      try (PreparedStatement ps =
          c.prepareStatement(
              "UPDATE tasks SET status = 'done', completed_at = ? WHERE task_id = ?")) {
        ps.setTimestamp(1, Timestamp.from(e.completedAt()));
        ps.setObject(2, e.taskId());
        ps.executeUpdate();
      }
    }
  }

  /** Tasks, newest first, optionally of one assignee and/or one status. */
  CompletionStage<List<Task.Details>> list(Optional<UUID> assignee, Optional<Task.Status> status) {
    return database.query(
        c -> {
          StringBuilder sql =
              new StringBuilder(
                  "SELECT task_id, title, jira_id, description, status, assignee_id, assignment_no,"
                      + " assign_fee, completion_reward, created_by, created_at, completed_at"
                      + " FROM tasks WHERE TRUE");
          if (assignee.isPresent()) sql.append(" AND assignee_id = ?");
          if (status.isPresent()) sql.append(" AND status = ?");
          sql.append(" ORDER BY created_at DESC, task_id");
          try (PreparedStatement ps = c.prepareStatement(sql.toString())) {
            int i = 1;
            if (assignee.isPresent()) ps.setObject(i++, assignee.get());
            if (status.isPresent()) ps.setString(i, status.get().name().toLowerCase(Locale.ROOT));
            List<Task.Details> tasks = new ArrayList<>();
            try (ResultSet rs = ps.executeQuery()) {
              while (rs.next()) tasks.add(row(rs));
            }
            return tasks;
          }
        });
  }

  /** One page of open task ids after {@code after}, in id order (keyset paging for the shuffle). */
  CompletionStage<List<UUID>> openTaskIds(UUID after, int limit) {
    return database.query(
        c -> {
          try (PreparedStatement ps =
              c.prepareStatement(
                  "SELECT task_id FROM tasks WHERE status = 'open' AND task_id > ? ORDER BY task_id LIMIT ?")) {
            ps.setObject(1, after);
            ps.setInt(2, limit);
            List<UUID> ids = new ArrayList<>();
            try (ResultSet rs = ps.executeQuery()) {
              while (rs.next()) ids.add(rs.getObject("task_id", UUID.class));
            }
            return ids;
          }
        });
  }

  private static Task.Details row(ResultSet rs) throws SQLException {
    Timestamp completed = rs.getTimestamp("completed_at");
    return Task.Details.builder()
        .taskId(rs.getObject("task_id", UUID.class))
        .title(rs.getString("title"))
        .jiraId(rs.getString("jira_id"))
        .description(rs.getString("description"))
        .status(Task.Status.valueOf(rs.getString("status").toUpperCase(Locale.ROOT)))
        .assigneeId(rs.getObject("assignee_id", UUID.class))
        .assignmentNo(rs.getInt("assignment_no"))
        .assignFee(rs.getLong("assign_fee"))
        .completionReward(rs.getLong("completion_reward"))
        .createdBy(rs.getObject("created_by", UUID.class))
        .createdAt(rs.getTimestamp("created_at").toInstant())
        .completedAt(completed == null ? null : completed.toInstant())
        .build();
  }
}
