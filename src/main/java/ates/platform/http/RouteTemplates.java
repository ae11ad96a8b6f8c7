package ates.platform.http;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Maps a request path to the API's path template (the paths of {@code openapi.yaml}, such as {@code
 * /api/tasks/{taskId}/complete}), so that metrics labelled by route stay bounded whatever paths
 * clients send: ids never become label values, and every path outside the API is {@value #OTHER}.
 */
public final class RouteTemplates {

  public static final String OTHER = "other";
  private static final Pattern PATH_LINE = Pattern.compile("^  (/[^:\\s]*):\\s*$");

  private final List<String[]> templates;

  RouteTemplates(List<String> paths) {
    // a fixed segment wins over a variable one: /api/tasks/shuffle is not /api/tasks/{taskId}
    this.templates =
        paths.stream()
            .map(p -> p.substring(1).split("/"))
            .sorted(java.util.Comparator.comparingLong(RouteTemplates::variables))
            .toList();
  }

  /** The templates of the API document on the classpath. */
  public static RouteTemplates fromOpenApi() {
    try (InputStream in = RouteTemplates.class.getResourceAsStream("/openapi.yaml")) {
      if (in == null) throw new IllegalStateException("openapi.yaml is not on the classpath");
      List<String> paths = new ArrayList<>();
      BufferedReader reader = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
      for (String line = reader.readLine(); line != null; line = reader.readLine()) {
        Matcher m = PATH_LINE.matcher(line);
        if (m.matches()) paths.add(m.group(1));
      }
      return new RouteTemplates(paths);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The template {@code path} matches (a {@code {name}} segment matches any one segment). */
  public String of(String path) {
    String trimmed = path.startsWith("/") ? path.substring(1) : path;
    if (trimmed.endsWith("/")) trimmed = trimmed.substring(0, trimmed.length() - 1);
    String[] segments = trimmed.split("/", -1);
    for (String[] template : templates) {
      if (matches(template, segments)) return "/" + String.join("/", template);
    }
    return OTHER;
  }

  private static long variables(String[] template) {
    return java.util.Arrays.stream(template).filter(RouteTemplates::isVariable).count();
  }

  private static boolean isVariable(String segment) {
    return segment.startsWith("{") && segment.endsWith("}");
  }

  private static boolean matches(String[] template, String[] segments) {
    if (template.length != segments.length) return false;
    for (int i = 0; i < template.length; i++) {
      boolean variable = isVariable(template[i]);
      if (variable ? segments[i].isEmpty() : !template[i].equals(segments[i])) return false;
    }
    return true;
  }
}
