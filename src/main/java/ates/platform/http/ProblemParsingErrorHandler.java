package ates.platform.http;

import akka.event.LoggingAdapter;
import akka.http.ParsingErrorHandler;
import akka.http.javadsl.model.HttpResponse;
import akka.http.scaladsl.model.ErrorInfo;
import akka.http.scaladsl.model.StatusCode;
import akka.http.scaladsl.settings.ServerSettings;

/**
 * Answers the requests Akka HTTP refuses before any route sees them (an illegal request-target, 414
 * URI too long, 431 headers too large, 501 unknown method, …) with problem+json like every other
 * error. Configured as {@code akka.http.server.parsing.error-handler}.
 */
public final class ProblemParsingErrorHandler extends ParsingErrorHandler {

  @Override
  public HttpResponse handle(
      StatusCode status, ErrorInfo error, LoggingAdapter log, ServerSettings settings) {
    log.debug("Refused an unparseable request: {} {}", status.intValue(), error.summary());
    String detail = error.summary().isEmpty() ? status.defaultMessage() : error.summary();
    return HttpErrors.withSecurityHeaders(
        HttpErrors.response(Problem.of(status.intValue(), status.reason(), detail)));
  }
}
