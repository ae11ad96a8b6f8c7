package ates.platform.http;

import akka.http.javadsl.model.ContentType;
import akka.http.javadsl.model.HttpCharsets;
import akka.http.javadsl.model.HttpEntities;
import akka.http.javadsl.model.HttpHeader;
import akka.http.javadsl.model.HttpResponse;
import akka.http.javadsl.model.MediaTypes;
import akka.http.javadsl.model.headers.HttpChallenge;
import akka.http.javadsl.model.headers.RawHeader;
import akka.http.javadsl.model.headers.WWWAuthenticate;
import akka.http.javadsl.server.AuthenticationFailedRejection;
import akka.http.javadsl.server.AuthorizationFailedRejection;
import akka.http.javadsl.server.Directives;
import akka.http.javadsl.server.ExceptionHandler;
import akka.http.javadsl.server.MalformedQueryParamRejection;
import akka.http.javadsl.server.MalformedRequestContentRejection;
import akka.http.javadsl.server.MethodRejection;
import akka.http.javadsl.server.MissingQueryParamRejection;
import akka.http.javadsl.server.Rejection;
import akka.http.javadsl.server.RejectionHandler;
import akka.http.javadsl.server.Route;
import akka.http.javadsl.server.UnsupportedRequestContentTypeRejection;
import akka.http.javadsl.server.ValidationRejection;
import akka.http.scaladsl.model.EntityStreamSizeException;
import akka.pattern.AskTimeoutException;
import akka.pattern.CircuitBreakerOpenException;
import ates.platform.EntityError;
import ates.platform.db.ServiceDatabase;
import com.fasterxml.jackson.core.JsonProcessingException;
import java.util.List;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeoutException;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Every error answer of the HTTP API, in one place: rejections and exceptions become {@code
 * application/problem+json} with a detail a person can act on; timeouts and a failing database
 * become 503 with {@code Retry-After}; nothing a client sends becomes a 500.
 */
public final class HttpErrors {

  private static final Logger log = LoggerFactory.getLogger(HttpErrors.class);

  public static final ContentType PROBLEM_JSON =
      MediaTypes.applicationWithFixedCharset("problem+json", HttpCharsets.UTF_8).toContentType();

  private HttpErrors() {}

  public static HttpResponse response(Problem problem, HttpHeader... headers) {
    try {
      return HttpResponse.create()
          .withStatus(problem.status())
          .withEntity(HttpEntities.create(PROBLEM_JSON, HttpJson.MAPPER.writeValueAsBytes(problem)))
          .addHeaders(List.of(headers));
    } catch (JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }

  /**
   * Headers every answer carries: no MIME sniffing, and no caching of API answers (they hold
   * tokens, balances and other people's data).
   */
  public static HttpResponse withSecurityHeaders(HttpResponse response) {
    return response.addHeaders(
        List.of(
            RawHeader.create("X-Content-Type-Options", "nosniff"),
            RawHeader.create("Cache-Control", "no-store")));
  }

  /**
   * The answer to a request whose body could not be read: 408 when it did not arrive in time
   * (shorter than its Content-Length), 413 when over the limit, 400 when malformed (a bad chunk).
   */
  public static HttpResponse unreadableBody(Throwable failure) {
    if (unwrap(failure) instanceof TimeoutException) {
      return response(
          Problem.of(
              408,
              "Request Timeout",
              "the request body did not arrive in time; check its Content-Length"));
    }
    if (isTooLarge(failure)) return response(tooLarge());
    return response(
        Problem.of(400, "Malformed request body", "the request body could not be read"));
  }

  private static Route complete(Problem problem, HttpHeader... headers) {
    return Directives.complete(response(problem, headers));
  }

  private static HttpHeader bearerChallenge() {
    return WWWAuthenticate.create(HttpChallenge.create("Bearer", "ates"));
  }

  public static HttpResponse unauthorized(String detail) {
    return response(Problem.of(401, "Unauthorized", detail), bearerChallenge());
  }

  /** The answer to a request that took longer than the server's request timeout. */
  public static HttpResponse timeout() {
    return response(
        Problem.of(503, "Service Unavailable", "the service did not answer in time; try again"),
        RawHeader.create("Retry-After", "5"));
  }

  public static RejectionHandler rejectionHandler() {
    return RejectionHandler.newBuilder()
        .handle(
            MalformedRequestContentRejection.class,
            r ->
                isTooLarge(r.getCause())
                    ? complete(tooLarge())
                    : complete(Problem.of(400, "Malformed request body", jsonMessage(r))))
        .handle(
            UnsupportedRequestContentTypeRejection.class,
            r ->
                complete(
                    Problem.of(415, "Unsupported Media Type", "send the body as application/json")))
        .handle(
            MissingQueryParamRejection.class,
            r ->
                complete(
                    Problem.of(
                        400,
                        "Missing query parameter",
                        "query parameter '" + r.parameterName() + "' is required")))
        .handle(
            MalformedQueryParamRejection.class,
            r ->
                complete(
                    Problem.of(
                        400,
                        "Invalid query parameter",
                        "query parameter '" + r.parameterName() + "' " + r.errorMsg())))
        .handle(
            ValidationRejection.class, r -> complete(Problem.of(400, "Bad Request", r.message())))
        .handle(
            AuthenticationFailedRejection.class,
            r -> Directives.complete(unauthorized("a valid bearer token is required")))
        .handle(
            AuthorizationFailedRejection.class,
            r -> complete(Problem.of(403, "Forbidden", "your role may not do this")))
        .handleAll(
            MethodRejection.class,
            rs ->
                complete(
                    Problem.of(
                        405,
                        "Method Not Allowed",
                        "allowed: "
                            + rs.stream()
                                .map(r -> r.supported().name())
                                .distinct()
                                .collect(Collectors.joining(", ")))))
        .handle(
            Rejection.class,
            r -> complete(Problem.of(400, "Bad Request", "the request was rejected: " + r)))
        .handleNotFound(complete(Problem.of(404, "Not Found", "no such resource")))
        .build();
  }

  public static ExceptionHandler exceptionHandler() {
    return ExceptionHandler.newBuilder()
        .matchAny(t -> Directives.complete(toResponse(unwrap(t))))
        .build();
  }

  static HttpResponse toResponse(Throwable t) {
    if (t instanceof ProblemException p) return response(p.toProblem());
    if (t instanceof EntityError.Failure f) return response(problem(f.error()));
    if (isTooLarge(t)) return response(tooLarge());
    if (t instanceof CircuitBreakerOpenException open) {
      // no log line per request: the breaker logs its state changes
      long seconds = Math.max(1, (open.remainingDuration().toMillis() + 999) / 1000);
      return response(
          Problem.of(
              503,
              "Service Unavailable",
              "a dependency of this service is failing; calls are refused until it recovers"),
          RawHeader.create("Retry-After", Long.toString(seconds)));
    }
    if (t instanceof AskTimeoutException || t instanceof TimeoutException) {
      log.warn("Request timed out: {}", t.getMessage());
      return response(
          Problem.of(503, "Service Unavailable", "the service did not answer in time; try again"),
          RawHeader.create("Retry-After", "5"));
    }
    if (t instanceof ServiceDatabase.DatabaseException) {
      log.warn("Database failure: {}", t.getMessage());
      return response(
          Problem.of(503, "Service Unavailable", "the database is unavailable; try again"),
          RawHeader.create("Retry-After", "5"));
    }
    log.error("Unexpected failure while answering a request", t);
    return response(
        Problem.of(
            500, "Internal Server Error", "an unexpected error occurred; it has been logged"));
  }

  /**
   * The one mapping of entity errors to HTTP. Exhaustive: a new kind of {@link EntityError} does
   * not compile until it has a case here. An entity failing any other way is a 500, logged.
   */
  public static Problem problem(EntityError error) {
    return error.accept(
        new EntityError.Cases<>() {
          @Override
          public Problem notFound(EntityError.NotFound e) {
            return Problem.of(404, "Not Found", e.detail());
          }

          @Override
          public Problem forbidden(EntityError.Forbidden e) {
            return Problem.of(403, "Forbidden", e.detail());
          }

          @Override
          public Problem conflict(EntityError.Conflict e) {
            return Problem.of(409, "Conflict", e.detail());
          }

          @Override
          public Problem invalid(EntityError.Invalid e) {
            return Problem.of(400, "Bad Request", e.detail());
          }

          @Override
          public Problem keyReused(EntityError.KeyReused e) {
            return Problem.of(422, "Unprocessable Content", e.detail());
          }
        });
  }

  private static Problem tooLarge() {
    return Problem.of(413, "Payload Too Large", "the request body is larger than 64 KiB");
  }

  private static boolean isTooLarge(Throwable t) {
    for (Throwable c = t; c != null; c = c.getCause()) {
      if (c instanceof EntityStreamSizeException) return true;
    }
    return false;
  }

  private static String jsonMessage(MalformedRequestContentRejection r) {
    Throwable cause = r.getCause();
    for (Throwable c = cause; c != null; c = c.getCause()) {
      if (c instanceof ProblemException p) return p.getMessage();
      if (c instanceof com.fasterxml.jackson.core.JsonParseException j
          && j.getOriginalMessage().startsWith("Duplicate field")) {
        return j.getOriginalMessage().replaceFirst("Duplicate field '(.*)'", "field '$1'")
            + " is given more than once";
      }
      if (c instanceof com.fasterxml.jackson.databind.exc.MismatchedInputException m
          && !m.getPath().isEmpty()) {
        String field =
            m.getPath().stream()
                .map(
                    ref ->
                        ref.getFieldName() != null
                            ? ref.getFieldName()
                            : "[" + ref.getIndex() + "]")
                .collect(Collectors.joining("."));
        return "field '" + field + "' has the wrong type or format";
      }
    }
    return "the body is not valid JSON for this request";
  }

  private static Throwable unwrap(Throwable t) {
    Throwable c = t;
    while ((c instanceof CompletionException || c instanceof ExecutionException)
        && c.getCause() != null) {
      c = c.getCause();
    }
    return c;
  }
}
