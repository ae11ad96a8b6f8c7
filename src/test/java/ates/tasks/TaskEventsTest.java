package ates.tasks;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ates.contract.AssignmentReason;
import ates.contract.EventJson;
import ates.contract.TaskPrice;
import ates.contract.Topics;
import ates.platform.kafka.OutgoingEvent;
import com.fasterxml.jackson.databind.JsonNode;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * What each task journal event publishes, read back by field name: every id, price and text of the
 * same type has a distinct value, so two of them trading places fails here.
 */
class TaskEventsTest {

  private static final Instant AT = Instant.parse("2026-11-25T10:00:00Z");
  private final UUID taskId = UUID.randomUUID();
  private final UUID creator = UUID.randomUUID();
  private final UUID worker = UUID.randomUUID();
  private final UUID previous = UUID.randomUUID();

  private static JsonNode data(List<OutgoingEvent> published, String topic) {
    assertEquals(1, published.size());
    assertEquals(topic, published.get(0).topic());
    return EventJson.MAPPER.valueToTree(published.get(0).data());
  }

  @Test
  void created_publishes_creator_and_assignee_and_both_prices_by_name() {
    var created =
        new Task.Created(taskId, "Feed", "POP-1", "daily", creator, worker, 1500, 3000, AT);

    JsonNode data = data(TaskEvents.toContract(created), Topics.TASK_CREATED);

    assertEquals(taskId.toString(), data.get("taskId").asText());
    assertEquals("Feed", data.get("title").asText());
    assertEquals("POP-1", data.get("jiraId").asText());
    assertEquals("daily", data.get("description").asText());
    assertEquals(creator.toString(), data.get("createdBy").asText());
    assertEquals(worker.toString(), data.get("assigneeId").asText());
    assertEquals(1500, data.get("assignFee").asLong());
    assertEquals(3000, data.get("completionReward").asLong());
    assertEquals(AT.toString(), data.get("createdAt").asText());
  }

  @Test
  void assigned_publishes_the_new_and_the_previous_assignee_by_name() {
    var assigned =
        new Task.Assigned(
            taskId, 2, "Feed", "POP-1", worker, previous, 1500, AssignmentReason.SHUFFLE, AT);

    JsonNode data = data(TaskEvents.toContract(assigned), Topics.TASK_ASSIGNED);

    assertEquals(2, data.get("assignmentNo").asInt());
    assertEquals("Feed", data.get("title").asText());
    assertEquals("POP-1", data.get("jiraId").asText());
    assertEquals(worker.toString(), data.get("assigneeId").asText());
    assertEquals(previous.toString(), data.get("previousAssigneeId").asText());
    assertEquals(1500, data.get("assignFee").asLong());
    assertEquals("shuffle", data.get("reason").asText());
  }

  @Test
  void completed_publishes_the_assignee_and_the_reward() {
    var completed = new Task.Completed(taskId, "Feed", null, worker, 3000, AT);

    JsonNode data = data(TaskEvents.toContract(completed), Topics.TASK_COMPLETED);

    assertEquals("Feed", data.get("title").asText());
    assertTrue(data.get("jiraId").isNull());
    assertEquals(worker.toString(), data.get("assigneeId").asText());
    assertEquals(3000, data.get("completionReward").asLong());
  }

  @Test
  void the_entity_builds_its_events_from_the_right_fields() {
    Task.Create create =
        Task.Create.builder()
            .title("Feed")
            .jiraId("POP-1")
            .description("daily")
            .createdBy(creator)
            .assigneeId(worker)
            .price(new TaskPrice(1500, 3000))
            .build(null);
    Task.Details open = Task.Details.created(Task.Created.of(taskId, create, AT));

    assertEquals(
        new Task.Created(taskId, "Feed", "POP-1", "daily", creator, worker, 1500, 3000, AT),
        Task.Created.of(taskId, create, AT));
    assertEquals(
        new Task.Assigned(
            taskId, 1, "Feed", "POP-1", worker, null, 1500, AssignmentReason.CREATED, AT),
        Task.Assigned.first(taskId, create, AT));
    assertEquals(creator, open.createdBy());
    assertEquals(worker, open.assigneeId());
    assertEquals(
        new Task.Assigned(
            taskId, 1, "Feed", "POP-1", previous, worker, 1500, AssignmentReason.SHUFFLE, AT),
        Task.Assigned.next(open, previous, AT));
    assertEquals(
        new Task.Completed(taskId, "Feed", "POP-1", worker, 3000, AT), Task.Completed.of(open, AT));
  }
}
