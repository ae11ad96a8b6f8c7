package ates.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

/** A small JSON client over the JDK's HttpClient, for end-to-end tests. */
public final class Http {

  public record Response(int status, String contentType, String body) {
    public JsonNode json() {
      try {
        return MAPPER.readTree(body);
      } catch (IOException e) {
        throw new AssertionError("not JSON: " + body, e);
      }
    }
  }

  private static final ObjectMapper MAPPER = new ObjectMapper();
  private final HttpClient client =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
  private final String base;

  public Http(int port) {
    this.base = "http://127.0.0.1:" + port;
  }

  public Response get(String path, String token) {
    return send(builder(path, token).GET());
  }

  public Response post(String path, String token, String json) {
    return send(
        builder(path, token)
            .header("Content-Type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString(json)));
  }

  /** A POST of {@code json} with extra headers (an Idempotency-Key). */
  public Response post(
      String path, String token, String json, java.util.Map<String, String> headers) {
    HttpRequest.Builder b =
        builder(path, token)
            .header("Content-Type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString(json));
    headers.forEach(b::header);
    return send(b);
  }

  public Response put(String path, String token, String json) {
    return send(
        builder(path, token)
            .header("Content-Type", "application/json")
            .PUT(HttpRequest.BodyPublishers.ofString(json)));
  }

  public Response send(String method, String path, String token, String contentType, byte[] body) {
    HttpRequest.Builder b = builder(path, token);
    if (contentType != null) b.header("Content-Type", contentType);
    return send(b.method(method, HttpRequest.BodyPublishers.ofByteArray(body)));
  }

  /** The password {@link #createUser} gives a login. */
  public static String passwordOf(String login) {
    return "password-" + login;
  }

  /** Creates a user as an admin (password {@link #passwordOf}); fails unless the answer is 201. */
  public JsonNode createUser(String adminToken, String login, String role) {
    Response r = post("/api/users", adminToken, userJson(login, role));
    if (r.status() != 201) throw new AssertionError("creating " + login + " failed: " + r);
    return r.json();
  }

  /**
   * As {@link #createUser}, on a cluster that may still be starting: the request carries an
   * Idempotency-Key, and is sent again while the answer is 503 (the service not ready yet), within
   * {@code timeout}.
   */
  public JsonNode createUserRetrying(
      String adminToken, String login, String role, Duration timeout) {
    java.util.Map<String, String> key = java.util.Map.of("Idempotency-Key", "create-user-" + login);
    Response[] last = new Response[1];
    org.awaitility.Awaitility.await()
        .atMost(timeout)
        .pollInterval(Duration.ofMillis(500))
        .until(
            () -> {
              last[0] = post("/api/users", adminToken, userJson(login, role), key);
              return last[0].status() != 503;
            });
    if (last[0].status() != 201)
      throw new AssertionError("creating " + login + " failed: " + last[0]);
    return last[0].json();
  }

  private static String userJson(String login, String role) {
    return "{\"login\":\""
        + login
        + "\",\"password\":\""
        + passwordOf(login)
        + "\",\"fullName\":\""
        + login
        + "\",\"email\":\""
        + login
        + "@example.com\",\"role\":\""
        + role
        + "\"}";
  }

  /** Logs in with the password {@link #createUser} gave. */
  public String login(String login) {
    return login(login, passwordOf(login));
  }

  /** Logs in and returns the token. */
  public String login(String login, String password) {
    Response r =
        post(
            "/api/auth/login",
            null,
            "{\"login\":\"" + login + "\",\"password\":\"" + password + "\"}");
    if (r.status() != 200) throw new AssertionError("login of " + login + " failed: " + r);
    return r.json().get("token").asText();
  }

  private HttpRequest.Builder builder(String path, String token) {
    HttpRequest.Builder b =
        HttpRequest.newBuilder(URI.create(base + path)).timeout(Duration.ofSeconds(30));
    if (token != null) b.header("Authorization", "Bearer " + token);
    return b;
  }

  private Response send(HttpRequest.Builder request) {
    try {
      HttpResponse<String> r = client.send(request.build(), HttpResponse.BodyHandlers.ofString());
      return new Response(
          r.statusCode(), r.headers().firstValue("Content-Type").orElse(""), r.body());
    } catch (IOException e) {
      throw new IllegalStateException("HTTP request failed: " + e, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }
}
