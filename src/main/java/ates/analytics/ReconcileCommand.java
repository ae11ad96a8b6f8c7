package ates.analytics;

import ates.platform.http.HttpJson;
import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import java.io.PrintStream;
import java.sql.Connection;
import java.sql.DriverManager;
import java.time.DateTimeException;
import java.time.Duration;
import java.time.LocalDate;
import java.time.ZoneId;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * {@code java -jar ates.jar reconcile [--date YYYY-MM-DD]} (operations.md): the reconciliation of
 * the day (default today in the billing zone), from the same environment as a node, without
 * starting one. It reads the topics with its own consumer and analytics' figures from the analytics
 * database, read only (this is analytics' code reading its own database). On the embedded default
 * it reaches the servers a running node serves ({@code ATES_KAFKA_PORT}, {@code ATES_DB_PORT}).
 * Prints the report as JSON on stdout and one summary line on stderr; exits 0 when ok, 1 when a
 * figure differs, 2 with a one-line reason when it cannot reconcile.
 */
public final class ReconcileCommand {

  public static final String NAME = "reconcile";

  static final int OK = 0;
  static final int MISMATCH = 1;
  static final int FAILED = 2;

  private ReconcileCommand() {}

  /**
   * Runs the command.
   *
   * @param overrides config that wins over {@code application.conf}, as for a node
   * @param args the arguments after {@code reconcile}
   */
  public static int run(Config overrides, List<String> args, PrintStream out, PrintStream err) {
    try {
      Config config =
          ConfigFactory.load(
              overrides.withFallback(ConfigFactory.parseResourcesAnySyntax("application")));
      ZoneId zone = ZoneId.of(config.getString("ates.analytics.billing-zone"));
      LocalDate date = date(args).orElseGet(() -> LocalDate.now(zone));
      Reconciliation.Report report = reconcile(config, zone, date);
      out.println(HttpJson.MAPPER.writerWithDefaultPrettyPrinter().writeValueAsString(report));
      err.println(Reconciliation.summary(report));
      return report.ok() ? OK : MISMATCH;
    } catch (Exception e) {
      err.println("reconcile failed: " + oneLine(e));
      return FAILED;
    }
  }

  private static Reconciliation.Report reconcile(Config config, ZoneId zone, LocalDate date)
      throws Exception {
    String bootstrap = config.getString("ates.kafka.bootstrap-servers");
    if (bootstrap.isBlank()) bootstrap = "127.0.0.1:" + config.getInt("ates.kafka.embedded-port");
    String dbUrl = config.getString("ates.db.url");
    boolean embedded = dbUrl.isBlank();
    String database = config.getString("ates.db.database-prefix") + AnalyticsService.NAME;
    String url =
        databaseUrl(
            embedded
                ? "jdbc:postgresql://127.0.0.1:" + config.getInt("ates.db.embedded-port")
                : dbUrl,
            database);
    Duration timeout = config.getDuration("ates.analytics.reconciliation.read-timeout");
    try (ReconciliationReader reader =
        new ReconciliationReader(bootstrap, config.getString("ates.kafka.topic-prefix"), timeout)) {
      Reconciliation.Tally tally = reader.read(date, zone);
      Map<UUID, Reconciliation.Amounts> analytics;
      try (Connection c =
          DriverManager.getConnection(
              url,
              embedded ? "postgres" : config.getString("ates.db.user"),
              embedded ? "" : config.getString("ates.db.password"))) {
        c.setReadOnly(true);
        analytics = AnalyticsStore.accountDay(c, date);
      }
      return Reconciliation.compare(tally, analytics);
    }
  }

  /** {@code ATES_DB_URL} (a server, maybe with parameters) with the database in its place. */
  static String databaseUrl(String serverUrl, String database) {
    int q = serverUrl.indexOf('?');
    String base = q < 0 ? serverUrl : serverUrl.substring(0, q);
    String params = q < 0 ? "" : serverUrl.substring(q);
    while (base.endsWith("/")) base = base.substring(0, base.length() - 1);
    return base + "/" + database + params;
  }

  private static java.util.Optional<LocalDate> date(List<String> args) {
    java.util.Optional<LocalDate> date = java.util.Optional.empty();
    for (int i = 0; i < args.size(); i++) {
      String arg = args.get(i);
      String value;
      if (arg.equals("--date") && i + 1 < args.size()) value = args.get(++i);
      else if (arg.startsWith("--date=")) value = arg.substring("--date=".length());
      else
        throw new IllegalArgumentException(
            "unexpected argument '" + arg + "'; usage: reconcile [--date YYYY-MM-DD]");
      try {
        date = java.util.Optional.of(LocalDate.parse(value));
      } catch (DateTimeException e) {
        throw new IllegalArgumentException("--date must be YYYY-MM-DD, got '" + value + "'");
      }
    }
    return date;
  }

  private static String oneLine(Exception e) {
    String m = e.getMessage() == null ? e.toString() : e.getMessage();
    int nl = m.indexOf('\n');
    return nl < 0 ? m : m.substring(0, nl);
  }
}
