package ates.analytics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ates.platform.Metrics;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import java.io.InputStream;
import org.junit.jupiter.api.Test;

/**
 * {@code conf/prometheus/alerts-reconciliation.yml} is a Prometheus rule file whose alert fires on
 * the gauge the node exports, under the name it exports it.
 */
class ReconciliationAlertTest {

  @Test
  void the_alert_fires_on_the_exported_gauge_above_zero() throws Exception {
    JsonNode rules;
    try (InputStream in = getClass().getResourceAsStream("/prometheus/alerts-reconciliation.yml")) {
      assertNotNull(in, "alerts-reconciliation.yml on the classpath");
      rules = new YAMLMapper().readTree(in);
    }
    JsonNode rule = rules.get("groups").get(0).get("rules").get(0);
    assertEquals("AtesReconciliationMismatch", rule.get("alert").asText());
    String expr = rule.get("expr").asText();
    assertTrue(expr.contains("ates_reconciliation_mismatches") && expr.endsWith("> 0"), expr);
    assertTrue(rule.has("for") && rule.get("annotations").has("summary"), rule.toString());

    Metrics metrics = new Metrics();
    metrics.reconciliationMismatches(3);
    assertTrue(
        metrics.scrape().lines().anyMatch(l -> l.equals("ates_reconciliation_mismatches 3.0")),
        "the gauge as Prometheus reads it");
  }
}
