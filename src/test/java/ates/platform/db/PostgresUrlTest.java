package ates.platform.db;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

/** {@code ATES_DB_URL} as operations.md allows it: several hosts, parameters, a database or not. */
class PostgresUrlTest {

  @Test
  void the_database_goes_between_the_hosts_and_the_parameters() {
    PostgresUrl url =
        PostgresUrl.parse(
            "jdbc:postgresql://h1:5432,h2:5432/?targetServerType=primary&sslmode=require");
    assertEquals(
        "jdbc:postgresql://h1:5432,h2:5432/ates_tasks?targetServerType=primary&sslmode=require",
        url.database("ates_tasks"));
  }

  @Test
  void a_plain_server_url_with_or_without_a_slash() {
    assertEquals(
        "jdbc:postgresql://db:5432/ates_identity",
        PostgresUrl.parse("jdbc:postgresql://db:5432").database("ates_identity"));
    assertEquals(
        "jdbc:postgresql://db:5432/ates_identity",
        PostgresUrl.parse("jdbc:postgresql://db:5432/").database("ates_identity"));
  }

  @Test
  void a_database_in_the_url_is_replaced() {
    assertEquals(
        "jdbc:postgresql://db/ates_accounting?ssl=true",
        PostgresUrl.parse("jdbc:postgresql://db/postgres?ssl=true").database("ates_accounting"));
  }

  @Test
  void a_parameter_is_added_or_replaced() {
    PostgresUrl url = PostgresUrl.parse("jdbc:postgresql://a,b/?targetServerType=any&x=1");
    assertEquals(
        "jdbc:postgresql://a,b/d?x=1&targetServerType=primary",
        url.withParameter("targetServerType", "primary").database("d"));
    assertEquals(
        "jdbc:postgresql://a/d?sslmode=require",
        PostgresUrl.parse("jdbc:postgresql://a").withParameter("sslmode", "require").database("d"));
  }

  @Test
  void bad_urls_are_refused_with_a_reason() {
    assertThrows(IllegalArgumentException.class, () -> PostgresUrl.parse("postgres://db:5432"));
    assertThrows(IllegalArgumentException.class, () -> PostgresUrl.parse("jdbc:postgresql:///x"));
    assertThrows(
        IllegalArgumentException.class, () -> PostgresUrl.parse("jdbc:postgresql://a,,b/"));
  }

  @Test
  void a_password_parameter_never_reaches_a_log() {
    String shown =
        PostgresUrl.parse("jdbc:postgresql://db/?user=u&password=s3cret&sslmode=require")
            .toString();
    assertFalse(shown.contains("s3cret"), shown);
  }
}
