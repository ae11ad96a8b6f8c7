package ates.platform;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import akka.actor.testkit.typed.javadsl.ActorTestKit;
import akka.pattern.StatusReply;
import akka.remote.serialization.MiscMessageSerializer;
import akka.serialization.Serialization;
import akka.serialization.SerializationExtension;
import akka.serialization.Serializer;
import akka.serialization.Serializers;
import akka.serialization.jackson.JacksonCborSerializer;
import ates.platform.http.HttpErrors;
import ates.platform.http.Problem;
import ates.testing.EntityTestKits;
import java.util.List;
import java.util.concurrent.CompletionException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Entity errors cross the cluster typed, and map to HTTP in one place. */
class EntityErrorTest {

  private static final List<EntityError> ALL =
      List.of(
          new EntityError.NotFound("no such task"),
          new EntityError.Forbidden("only the task's assignee may complete it"),
          new EntityError.Conflict("the task is already done"),
          new EntityError.Invalid("login does not belong to this user id"));

  private static ActorTestKit testKit;

  @BeforeAll
  static void startTestKit() {
    testKit = EntityTestKits.create("EntityErrorTest");
  }

  @AfterAll
  static void stopTestKit() {
    testKit.shutdownTestKit();
  }

  @Test
  void every_error_crosses_the_cluster_as_itself() {
    Serialization serialization = SerializationExtension.get(testKit.system().classicSystem());
    for (EntityError error : ALL) {
      StatusReply<String> reply = error.reply();
      Serializer replySerializer = serialization.findSerializerFor(reply);
      assertInstanceOf(MiscMessageSerializer.class, replySerializer);
      assertInstanceOf(
          JacksonCborSerializer.class, serialization.findSerializerFor(reply.getError()));

      byte[] bytes = serialization.serialize(reply).get();
      String manifest = Serializers.manifestFor(replySerializer, reply);
      Object back = serialization.deserialize(bytes, replySerializer.identifier(), manifest).get();

      StatusReply<?> received = (StatusReply<?>) back;
      assertTrue(received.isError());
      assertEquals(error, EntityError.of(received.getError()).orElseThrow());
      assertEquals(error.detail(), received.getError().getMessage());
    }
  }

  @Test
  void a_failed_ask_is_seen_through_its_wrappers() {
    EntityError error = new EntityError.Conflict("login 'popug' is taken");
    Throwable failure = new CompletionException(new EntityError.Failure(error));
    assertEquals(error, EntityError.of(failure).orElseThrow());
    assertTrue(EntityError.of(new CompletionException(new IllegalStateException())).isEmpty());
    assertTrue(EntityError.of(StatusReply.error("untyped").getError()).isEmpty());
  }

  @Test
  void each_kind_has_its_problem() {
    assertEquals(
        List.of(
            Problem.of(404, "Not Found", "no such task"),
            Problem.of(403, "Forbidden", "only the task's assignee may complete it"),
            Problem.of(409, "Conflict", "the task is already done"),
            Problem.of(400, "Bad Request", "login does not belong to this user id")),
        ALL.stream().map(HttpErrors::problem).toList());
  }
}
