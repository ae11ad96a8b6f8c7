package ates.tasks;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import ates.contract.AssignmentReason;
import ates.testing.ReadModelTestKit;
import ates.testing.Rows;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The {@code tasks} read model ("my tasks"): given task journal events, when the production
 * projection runs them (ProjectionTestKit, embedded PostgreSQL), then the rows.
 */
class TaskReadModelTest {

  private static final Instant CREATED = Instant.parse("2024-03-04T09:00:00Z");
  private static final Instant LATER = Instant.parse("2024-03-04T10:00:00Z");
  private static final Instant DONE = Instant.parse("2024-03-04T11:30:00Z");

  private final UUID task = UUID.randomUUID();
  private final UUID manager = UUID.randomUUID();
  private final UUID alice = UUID.randomUUID();
  private final UUID bob = UUID.randomUUID();
  private final UUID carol = UUID.randomUUID();
  private ReadModelTestKit<Task.Event> tasks;

  @BeforeEach
  void start() {
    tasks =
        ReadModelTestKit.of(
            TasksService.NAME,
            "tasks-read-model",
            (c, envelope) -> TaskReadModel.apply(c, envelope.event()));
  }

  @AfterEach
  void stop() {
    tasks.close();
  }

  @Test
  void a_created_task_is_an_open_row_with_its_prices_and_first_assignee() {
    tasks.given(pid(), CREATED, created());

    tasks.whenProjected(
        () -> {
          Map<String, Object> row = row();
          assertEquals("Fix the login", row.get("title"));
          assertEquals("ATES-12", row.get("jira_id"));
          assertEquals("open", row.get("status"));
          assertEquals(alice, row.get("assignee_id"));
          assertEquals(0, row.get("assignment_no"));
          assertEquals(1500L, row.get("assign_fee"));
          assertEquals(3000L, row.get("completion_reward"));
          assertEquals(manager, row.get("created_by"));
          assertEquals(Timestamp.from(CREATED), row.get("created_at"));
          assertNull(row.get("completed_at"));
        });
  }

  @Test
  void an_assignment_moves_the_task_and_a_stale_assignment_does_not_move_it_back() {
    tasks.given(
        pid(),
        CREATED,
        created(),
        assigned(1, alice, null, CREATED),
        assigned(3, carol, bob, LATER),
        // a shuffle older than the one applied (assignment 2 < 3) arrives late
        assigned(2, bob, alice, LATER));

    tasks.whenProjected(
        () -> {
          Map<String, Object> row = row();
          assertEquals(carol, row.get("assignee_id"));
          assertEquals(3, row.get("assignment_no"));
          assertEquals("open", row.get("status"));
        });
  }

  @Test
  void a_completion_closes_the_task_on_its_assignee() {
    tasks.given(
        pid(),
        CREATED,
        created(),
        assigned(1, alice, null, CREATED),
        new Task.Completed(task, "Fix the login", "ATES-12", alice, 3000, DONE));

    tasks.whenProjected(
        () -> {
          Map<String, Object> row = row();
          assertEquals("done", row.get("status"));
          assertEquals(alice, row.get("assignee_id"));
          assertEquals(Timestamp.from(DONE), row.get("completed_at"));
        });
  }

  @Test
  void a_creation_applied_again_does_not_reopen_or_reassign_the_task() {
    tasks.given(
        pid(),
        CREATED,
        created(),
        assigned(1, alice, null, CREATED),
        assigned(2, bob, alice, LATER),
        new Task.Completed(task, "Fix the login", "ATES-12", bob, 3000, DONE),
        created());

    tasks.whenProjected(
        () -> {
          assertEquals(1, Rows.query(tasks.database(), "SELECT * FROM tasks").size());
          Map<String, Object> row = row();
          assertEquals("done", row.get("status"));
          assertEquals(bob, row.get("assignee_id"));
          assertEquals(2, row.get("assignment_no"));
        });
  }

  private Map<String, Object> row() {
    return Rows.one(tasks.database(), "SELECT * FROM tasks WHERE task_id = ?", task);
  }

  private String pid() {
    return "Task|" + task;
  }

  private Task.Created created() {
    return new Task.Created(
        task, "Fix the login", "ATES-12", "It fails", manager, alice, 1500, 3000, CREATED);
  }

  private Task.Assigned assigned(int number, UUID to, UUID from, Instant at) {
    return new Task.Assigned(
        task,
        number,
        "Fix the login",
        "ATES-12",
        to,
        from,
        1500,
        number == 1 ? AssignmentReason.CREATED : AssignmentReason.SHUFFLE,
        at);
  }
}
