package ates.platform.kafka;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The durability settings every aTES topic gets at creation and is checked against at start-up: the
 * configured replication factor, {@code min.insync.replicas} = min(2, replication factor), so that
 * with {@code acks=all} an acknowledged record is on two brokers whenever there are two, and {@code
 * unclean.leader.election.enable=false}, so that a replica that missed acknowledged records never
 * becomes leader.
 */
public final class TopicDurability {

  public static final String MIN_INSYNC_REPLICAS = "min.insync.replicas";
  public static final String UNCLEAN_LEADER_ELECTION = "unclean.leader.election.enable";
  public static final String REPLICATION_FACTOR = "replication.factor";

  /** A setting of an existing topic weaker than what the node creates topics with. */
  public record Weakness(String topic, String setting, String actual, String wanted) {
    @Override
    public String toString() {
      return topic + ": " + setting + "=" + actual + " (wanted " + wanted + ")";
    }
  }

  private TopicDurability() {}

  /** {@code min.insync.replicas} for a replication factor: min(2, rf). */
  public static int minInsyncReplicas(int replicationFactor) {
    return Math.min(2, replicationFactor);
  }

  /** The durability part of a new topic's config. */
  public static Map<String, String> topicConfig(int replicationFactor) {
    return Map.of(
        MIN_INSYNC_REPLICAS,
        Integer.toString(minInsyncReplicas(replicationFactor)),
        UNCLEAN_LEADER_ELECTION,
        "false");
  }

  /**
   * What is weaker on an existing topic than the node would create: fewer replicas than configured,
   * a lower {@code min.insync.replicas}, or unclean leader election on.
   *
   * @param configs the topic's effective configs (as Kafka's DescribeConfigs reports them)
   */
  public static List<Weakness> check(
      String topic, int actualReplicationFactor, Map<String, String> configs, int wantedRf) {
    List<Weakness> weak = new ArrayList<>();
    if (actualReplicationFactor < wantedRf) {
      weak.add(
          new Weakness(
              topic,
              REPLICATION_FACTOR,
              Integer.toString(actualReplicationFactor),
              Integer.toString(wantedRf)));
    }
    int wantedIsr = minInsyncReplicas(wantedRf);
    String isr = configs.getOrDefault(MIN_INSYNC_REPLICAS, "1");
    if (parseOr(isr, 1) < wantedIsr) {
      weak.add(new Weakness(topic, MIN_INSYNC_REPLICAS, isr, Integer.toString(wantedIsr)));
    }
    String unclean = configs.getOrDefault(UNCLEAN_LEADER_ELECTION, "false");
    if (Boolean.parseBoolean(unclean)) {
      weak.add(new Weakness(topic, UNCLEAN_LEADER_ELECTION, unclean, "false"));
    }
    return weak;
  }

  private static int parseOr(String value, int fallback) {
    try {
      return Integer.parseInt(value.trim());
    } catch (NumberFormatException e) {
      return fallback;
    }
  }
}
