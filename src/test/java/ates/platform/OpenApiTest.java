package ates.platform;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ates.Main;
import ates.testing.Http;
import ates.testing.IntegrationTest;
import ates.testing.TestInfra;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * Keeps {@code /api/openapi.yaml} true: every operation it documents is served by a node running
 * every service (a request without a token gets the documented 401, not 404 or 405), and the node
 * serves the document itself.
 */
@IntegrationTest
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class OpenApiTest {

  private AtesNode node;
  private Http http;
  private JsonNode spec;

  @BeforeAll
  void start() throws Exception {
    TestInfra infra = TestInfra.get();
    node = AtesNode.start(infra.nodeConfig(infra.newNode(), "all"), Main.services());
    http = new Http(node.httpPort());
    try (InputStream in = getClass().getResourceAsStream("/openapi.yaml")) {
      spec = new ObjectMapper(new YAMLFactory()).readTree(in);
    }
  }

  @AfterAll
  void stop() {
    if (node != null) node.stop();
  }

  @Test
  void the_node_serves_the_document() throws Exception {
    Http.Response r = http.get("/api/openapi.yaml", null);
    assertEquals(200, r.status());
    try (InputStream in = getClass().getResourceAsStream("/openapi.yaml")) {
      assertEquals(new String(in.readAllBytes(), StandardCharsets.UTF_8), r.body());
    }
  }

  @Test
  void every_documented_operation_is_served() {
    List<String> checked = new ArrayList<>();
    Iterator<Map.Entry<String, JsonNode>> paths = spec.get("paths").fields();
    while (paths.hasNext()) {
      Map.Entry<String, JsonNode> path = paths.next();
      String concrete = path.getKey().replaceAll("\\{[^}]+}", UUID.randomUUID().toString());
      Iterator<Map.Entry<String, JsonNode>> ops = path.getValue().fields();
      while (ops.hasNext()) {
        Map.Entry<String, JsonNode> op = ops.next();
        String method = op.getKey().toUpperCase();
        boolean open = op.getValue().has("security") && op.getValue().get("security").isEmpty();
        Http.Response r =
            http.send(method, concrete, null, "application/json", "{}".getBytes(StandardCharsets.UTF_8));
        String what = method + " " + path.getKey() + " -> " + r.status() + " " + r.body();
        assertFalse(r.status() == 404 || r.status() == 405, what);
        if (open) assertEquals(400, r.status(), what);
        else assertEquals(401, r.status(), what);
        assertTrue(op.getValue().get("responses").has(Integer.toString(r.status())), "documented: " + what);
        checked.add(method + " " + path.getKey());
      }
    }
    assertFalse(checked.isEmpty());
  }
}
