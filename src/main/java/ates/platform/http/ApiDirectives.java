package ates.platform.http;

import akka.http.javadsl.marshallers.jackson.Jackson;
import akka.http.javadsl.model.HttpEntity;
import akka.http.javadsl.model.MediaTypes;
import akka.http.javadsl.model.StatusCode;
import akka.http.javadsl.model.StatusCodes;
import akka.http.javadsl.model.headers.HttpCredentials;
import akka.http.javadsl.server.AllDirectives;
import akka.http.javadsl.server.Route;
import akka.http.javadsl.unmarshalling.Unmarshaller;
import ates.contract.Role;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Arrays;
import java.util.Optional;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * The directives every service's routes use: bearer-token authentication, the role check, JSON
 * bodies and answers. Errors are thrown as {@link ProblemException} and answered by {@link
 * HttpErrors}.
 */
public abstract class ApiDirectives extends AllDirectives {

  protected final JwtService jwt;

  protected ApiDirectives(JwtService jwt) {
    this.jwt = jwt;
  }

  /** The caller, from a valid bearer token; 401 problem otherwise. */
  protected Route authenticated(Function<Principal, Route> inner) {
    return optionalHeaderValueByType(
        akka.http.javadsl.model.headers.Authorization.class,
        header -> {
          Optional<Principal> principal =
              header
                  .map(akka.http.javadsl.model.headers.Authorization::credentials)
                  .filter(c -> "bearer".equalsIgnoreCase(c.scheme()))
                  .map(HttpCredentials::token)
                  .flatMap(jwt::verify);
          if (principal.isEmpty()) {
            String detail =
                header.isEmpty()
                    ? "send 'Authorization: Bearer <token>' (POST /api/auth/login gives one)"
                    : "the token is invalid, expired or revoked (a role change); log in again";
            return complete(HttpErrors.unauthorized(detail));
          }
          return inner.apply(principal.get());
        });
  }

  /** Lets the request through only for the given roles; 403 problem otherwise. */
  protected Route requireRole(Principal principal, Supplier<Route> inner, Role... roles) {
    if (!principal.hasRole(roles)) {
      throw ProblemException.forbidden(
          "this needs the role "
              + String.join(" or ", Arrays.stream(roles).map(Role::wireName).toList())
              + "; you are "
              + principal.role().wireName());
    }
    return inner.get();
  }

  /**
   * The request body as JSON of {@code type}: 415 when not JSON, 400 when malformed (not UTF-8, not
   * JSON, a duplicate key, a lone surrogate, a field of the wrong type).
   */
  protected <T> Route jsonBody(Class<T> type, Function<T, Route> inner) {
    Unmarshaller<HttpEntity, T> json =
        Unmarshaller.forMediaType(MediaTypes.APPLICATION_JSON, Unmarshaller.entityToByteArray())
            .thenApply(
                bytes -> {
                  try {
                    return HttpJson.read(bytes, type);
                  } catch (IOException e) {
                    throw new UncheckedIOException(e);
                  }
                });
    return entity(json, inner);
  }

  protected Route json(StatusCode status, Object body) {
    return complete(status, body, Jackson.marshaller(HttpJson.MAPPER));
  }

  protected Route ok(Object body) {
    return json(StatusCodes.OK, body);
  }

  protected Route created(Object body) {
    return json(StatusCodes.CREATED, body);
  }
}
