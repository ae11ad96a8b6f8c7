package ates.platform.http;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/** Request paths become the API's path templates, so route labels stay few whatever is asked. */
class RouteTemplatesTest {

  private final RouteTemplates routes = RouteTemplates.fromOpenApi();

  @Test
  void a_path_with_an_id_becomes_its_template() {
    assertEquals(
        "/api/tasks/{taskId}/complete",
        routes.of("/api/tasks/5b0a3c52-9a43-4f55-a1a8-6c9b7bb4c2f1/complete"));
    assertEquals("/api/tasks/{taskId}", routes.of("/api/tasks/anything"));
    assertEquals("/api/users/{userId}/role", routes.of("/api/users/42/role"));
  }

  @Test
  void fixed_paths_win_and_keep_their_name() {
    assertEquals("/api/tasks/shuffle", routes.of("/api/tasks/shuffle"));
    assertEquals("/api/tasks", routes.of("/api/tasks"));
    assertEquals("/api/tasks", routes.of("/api/tasks/"));
  }

  @Test
  void any_other_path_is_other() {
    assertEquals(RouteTemplates.OTHER, routes.of("/"));
    assertEquals(RouteTemplates.OTHER, routes.of("/index.html"));
    assertEquals(RouteTemplates.OTHER, routes.of("/api/tasks/1/2/3/4"));
    assertEquals(RouteTemplates.OTHER, routes.of("/api/nothing-here-" + System.nanoTime()));
    assertEquals(RouteTemplates.OTHER, routes.of("/api/tasks//complete"));
  }
}
