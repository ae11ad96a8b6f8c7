package ates.platform;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ates.Main;
import ates.testing.Http;
import ates.testing.IntegrationTest;
import ates.testing.TestInfra;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.swagger.v3.core.util.Json;
import io.swagger.v3.parser.OpenAPIV3Parser;
import io.swagger.v3.parser.core.models.ParseOptions;
import io.swagger.v3.parser.core.models.SwaggerParseResult;
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
 * Keeps {@code /api/openapi.yaml} true: it is a valid OpenAPI 3 document whose every {@code $ref}
 * resolves (checked with the swagger-parser), every operation it documents is served by a node
 * running every service (a request without a token gets the documented 401, not 404 or 405), and
 * the node serves the document itself.
 */
@IntegrationTest
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class OpenApiTest {

  private AtesNode node;
  private Http http;
  private JsonNode spec;
  private String specText;

  @BeforeAll
  void start() throws Exception {
    TestInfra infra = TestInfra.get();
    node = AtesNode.start(infra.nodeConfig(infra.newNode(), "all"), Main.services());
    http = new Http(node.httpPort());
    try (InputStream in = getClass().getResourceAsStream("/openapi.yaml")) {
      specText = new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
    spec = new ObjectMapper(new YAMLFactory()).readTree(specText);
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

  /** Finding 12 of the hardening issue: five {@code $ref}s pointed nowhere and nothing noticed. */
  @Test
  void finding_12_the_document_is_valid_openapi_with_every_ref_resolved() {
    ParseOptions options = new ParseOptions();
    options.setResolve(true);
    options.setResolveFully(true);

    SwaggerParseResult result = new OpenAPIV3Parser().readContents(specText, null, options);

    assertEquals(List.of(), result.getMessages(), "parser messages");
    assertNotNull(result.getOpenAPI(), "parsed document");
    assertEquals("3.0.3", result.getOpenAPI().getOpenapi());
    // resolving fully inlines every $ref that points somewhere: what is left points nowhere
    List<String> unresolved = new ArrayList<>();
    collectRefs(Json.mapper().valueToTree(result.getOpenAPI()), "", unresolved);
    assertEquals(List.of(), unresolved, "unresolved $refs");
    // and every documented answer with a body has a schema to check it against
    result
        .getOpenAPI()
        .getPaths()
        .forEach(
            (path, item) ->
                item.readOperationsMap()
                    .forEach(
                        (method, op) ->
                            op.getResponses()
                                .forEach(
                                    (status, response) -> {
                                      String what = method + " " + path + " " + status;
                                      assertNotNull(
                                          response.getDescription(), "description of " + what);
                                      if (response.getContent() != null) {
                                        response
                                            .getContent()
                                            .forEach(
                                                (type, media) ->
                                                    assertNotNull(
                                                        media.getSchema(),
                                                        "schema of " + what + " " + type));
                                      }
                                    })));
  }

  private static void collectRefs(JsonNode node, String at, List<String> refs) {
    if (node.isObject()) {
      node.fields()
          .forEachRemaining(
              f -> {
                if (f.getKey().equals("$ref")) refs.add(at + " -> " + f.getValue().asText());
                else collectRefs(f.getValue(), at + "/" + f.getKey(), refs);
              });
    } else if (node.isArray()) {
      for (int i = 0; i < node.size(); i++) collectRefs(node.get(i), at + "/" + i, refs);
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
            http.send(
                method, concrete, null, "application/json", "{}".getBytes(StandardCharsets.UTF_8));
        String what = method + " " + path.getKey() + " -> " + r.status() + " " + r.body();
        assertFalse(r.status() == 404 || r.status() == 405, what);
        if (open) assertEquals(400, r.status(), what);
        else assertEquals(401, r.status(), what);
        assertTrue(
            op.getValue().get("responses").has(Integer.toString(r.status())),
            "documented: " + what);
        checked.add(method + " " + path.getKey());
      }
    }
    assertFalse(checked.isEmpty());
  }
}
