package ates.platform;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The Prometheus alert rules of {@code conf/prometheus} pass {@code promtool check rules} and their
 * unit tests ({@code promtool test rules}: each alert fires in one case and stays quiet in
 * another). Skipped, with a message, where promtool is not installed; {@code .ci/run} installs it.
 */
class AlertRulesTest {

  @Test
  void alert_rules_are_valid_and_their_unit_tests_pass() throws Exception {
    assumeTrue(
        promtoolInstalled(),
        "promtool is not installed (apt-get install prometheus); .ci/run runs these checks");
    assertPromtool(List.of("promtool", "check", "rules", "conf/prometheus/alerts.yml"));
    assertPromtool(List.of("promtool", "test", "rules", "conf/prometheus/alerts_test.yml"));
  }

  /** The PrometheusRule of k8s/monitoring.yaml holds exactly the rules of conf/prometheus. */
  @Test
  void the_kubernetes_prometheus_rule_has_the_same_rules() throws IOException {
    com.fasterxml.jackson.databind.ObjectMapper yaml =
        new com.fasterxml.jackson.databind.ObjectMapper(
            new com.fasterxml.jackson.dataformat.yaml.YAMLFactory());
    com.fasterxml.jackson.databind.JsonNode rules =
        yaml.readTree(new File("conf/prometheus/alerts.yml"));
    try (var parser = yaml.getFactory().createParser(new File("k8s/monitoring.yaml"))) {
      com.fasterxml.jackson.databind.JsonNode rule =
          yaml.readValues(parser, com.fasterxml.jackson.databind.JsonNode.class).next();
      assertEquals("PrometheusRule", rule.get("kind").asText());
      assertEquals(rules, rule.get("spec"));
    }
  }

  private static boolean promtoolInstalled() {
    for (String dir : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
      if (new File(dir, "promtool").canExecute()) return true;
    }
    return false;
  }

  private static void assertPromtool(List<String> command)
      throws IOException, InterruptedException {
    Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
    boolean done = p.waitFor(60, TimeUnit.SECONDS);
    String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (!done) p.destroyForcibly();
    assertEquals(0, done ? p.exitValue() : -1, String.join(" ", command) + ":\n" + output);
  }
}
