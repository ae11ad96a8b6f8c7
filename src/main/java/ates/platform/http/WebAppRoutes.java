package ates.platform.http;

import akka.http.javadsl.model.headers.RawHeader;
import akka.http.javadsl.server.AllDirectives;
import akka.http.javadsl.server.Route;
import java.util.List;

/**
 * The web app of http-api.md: {@code GET /} is its single page, {@code /app/*} its scripts and
 * styles, all static files under {@code src/main/resources/webapp}. The page talks to the same
 * {@code /api} with the JWT it keeps in sessionStorage. Its answers carry a Content-Security-Policy
 * that allows scripts, styles and requests from this origin only (no inline script or style), and
 * forbid framing; the API's answers are JSON and do not need one.
 */
public final class WebAppRoutes extends AllDirectives {

  static final String CONTENT_SECURITY_POLICY =
      "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:;"
          + " connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'";

  private static final List<akka.http.javadsl.model.HttpHeader> HEADERS =
      List.of(
          RawHeader.create("Content-Security-Policy", CONTENT_SECURITY_POLICY),
          RawHeader.create("Referrer-Policy", "no-referrer"),
          RawHeader.create("X-Frame-Options", "DENY"));

  public Route route() {
    return get(
        () ->
            respondWithHeaders(
                HEADERS,
                () ->
                    concat(
                        pathSingleSlash(() -> getFromResource("webapp/index.html")),
                        pathPrefix("app", () -> getFromResourceDirectory("webapp/app")))));
  }
}
