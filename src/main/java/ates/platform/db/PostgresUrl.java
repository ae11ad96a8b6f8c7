package ates.platform.db;

/**
 * {@code ATES_DB_URL}: a pgjdbc URL of a PostgreSQL server (or of several, for failover) without a
 * database, whose database is put in its place for each service.
 *
 * <p>Accepted: {@code jdbc:postgresql://h1:5432,h2:5432/?targetServerType=primary&sslmode=require},
 * {@code jdbc:postgresql://host:5432}, {@code jdbc:postgresql://host:5432/}, and a URL that names a
 * database ({@code .../postgres?ssl=true}), whose name is replaced. The hosts and parameters are
 * kept as written; pgjdbc itself validates them when it connects.
 */
public record PostgresUrl(String hosts, String parameters) {

  private static final String SCHEME = "jdbc:postgresql://";

  public PostgresUrl {
    if (hosts.isBlank()) throw new IllegalArgumentException("no host in the PostgreSQL URL");
  }

  /** Parses {@code ATES_DB_URL}; throws IllegalArgumentException naming what is wrong. */
  public static PostgresUrl parse(String url) {
    String u = url.trim();
    if (!u.startsWith(SCHEME)) {
      throw new IllegalArgumentException(
          "ATES_DB_URL must start with " + SCHEME + " (got '" + redact(u) + "')");
    }
    String rest = u.substring(SCHEME.length());
    int question = rest.indexOf('?');
    String parameters = question < 0 ? "" : rest.substring(question + 1);
    String beforeQuery = question < 0 ? rest : rest.substring(0, question);
    int slash = beforeQuery.indexOf('/');
    String hosts = slash < 0 ? beforeQuery : beforeQuery.substring(0, slash);
    if (hosts.isBlank()) {
      throw new IllegalArgumentException("ATES_DB_URL names no host (got '" + redact(u) + "')");
    }
    for (String host : hosts.split(",", -1)) {
      if (host.isBlank())
        throw new IllegalArgumentException("ATES_DB_URL has an empty host in '" + hosts + "'");
    }
    return new PostgresUrl(hosts, parameters);
  }

  /** The URL of {@code database} on the same servers with the same parameters. */
  public String database(String database) {
    return SCHEME + hosts + "/" + database + (parameters.isEmpty() ? "" : "?" + parameters);
  }

  /** The same servers and parameters plus (or replacing) one parameter. */
  public PostgresUrl withParameter(String name, String value) {
    StringBuilder kept = new StringBuilder();
    for (String p : parameters.split("&")) {
      if (p.isEmpty() || p.startsWith(name + "=")) continue;
      if (kept.length() > 0) kept.append('&');
      kept.append(p);
    }
    if (kept.length() > 0) kept.append('&');
    kept.append(name).append('=').append(value);
    return new PostgresUrl(hosts, kept.toString());
  }

  /** For logs: the hosts and parameter names, never a password given as a parameter. */
  @Override
  public String toString() {
    return redact(database(""));
  }

  private static String redact(String url) {
    return url.replaceAll("(?i)(password=)[^&]*", "$1***");
  }
}
