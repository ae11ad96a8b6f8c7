package ates.platform.kafka;

import akka.Done;
import akka.actor.CoordinatedShutdown;
import akka.actor.typed.ActorSystem;
import akka.kafka.ConsumerSettings;
import akka.kafka.ProducerSettings;
import akka.kafka.javadsl.SendProducer;
import ates.contract.Topics;
import com.typesafe.config.Config;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Kafka for one node: the one shared {@link SendProducer} (idempotent, acks=all; closed on
 * shutdown), consumer settings, and topic creation at start-up. It also knows the node's consumers
 * for {@link ConsumerLagMonitor}: every group it made consumer settings for, and the consumers that
 * keep their offsets in their own database.
 */
public final class KafkaPlatform {

  private static final Logger log = LoggerFactory.getLogger(KafkaPlatform.class);

  private final ActorSystem<?> system;
  private final String bootstrapServers;
  private final SendProducer<String, byte[]> producer;
  private final Producer<String, byte[]> kafkaProducer;
  private final String topicPrefix;
  private final Set<String> consumerGroups = ConcurrentHashMap.newKeySet();
  private final List<StoredOffsets> storedOffsets = new CopyOnWriteArrayList<>();

  /** The next offset a consumer will read on one partition of a topic (its Kafka name). */
  public record ConsumerOffset(String consumer, String topic, int partition, long nextOffset) {}

  /** Reads the offsets of a consumer that stores them itself rather than in its Kafka group. */
  @FunctionalInterface
  public interface StoredOffsets {
    CompletionStage<List<ConsumerOffset>> read();
  }

  public KafkaPlatform(ActorSystem<?> system, String bootstrapServers) {
    this.system = system;
    this.bootstrapServers = bootstrapServers;
    this.topicPrefix = system.settings().config().getString("ates.kafka.topic-prefix");
    ProducerSettings<String, byte[]> settings =
        ProducerSettings.create(system, new StringSerializer(), new ByteArraySerializer())
            .withBootstrapServers(bootstrapServers);
    this.kafkaProducer = settings.createKafkaProducer();
    // both views share the one producer; closing the SendProducer closes it
    this.producer =
        new SendProducer<>(
            settings.withProducer(kafkaProducer).withCloseProducerOnStop(true), system);
    CoordinatedShutdown.get(system)
        .addTask(
            CoordinatedShutdown.PhaseBeforeActorSystemTerminate(),
            "close-kafka-producer",
            () -> producer.close().thenApply(d -> Done.getInstance()));
  }

  public SendProducer<String, byte[]> producer() {
    return producer;
  }

  /**
   * The same producer, for callers that must hand several records to it in a fixed order without
   * waiting for each acknowledgement: {@code send} calls made one after another on one thread keep
   * their order per partition (idempotence with at most five requests in flight).
   */
  public Producer<String, byte[]> kafkaProducer() {
    return kafkaProducer;
  }

  public String bootstrapServers() {
    return bootstrapServers;
  }

  /**
   * Prefix of every topic name and consumer group id on this cluster; empty by default (the
   * contract's names). Lets environments (or test runs) share one Kafka cluster without seeing each
   * other's events.
   */
  public String topicPrefix() {
    return topicPrefix;
  }

  /** The Kafka topic of a contract topic name. */
  public String topic(String contractTopic) {
    return topicPrefix + contractTopic;
  }

  /**
   * Consumer settings for a group; the topic prefix is added to the group id too. The group counts
   * as one this node runs: its lag is reported for every partition it has committed.
   */
  public ConsumerSettings<String, byte[]> consumerSettings(String groupId) {
    consumerGroups.add(topicPrefix + groupId);
    return ConsumerSettings.create(system, new StringDeserializer(), new ByteArrayDeserializer())
        .withBootstrapServers(bootstrapServers)
        .withGroupId(topicPrefix + groupId);
  }

  /** The Kafka group ids (prefixed) this node has made consumer settings for. */
  public Set<String> consumerGroups() {
    return Set.copyOf(consumerGroups);
  }

  /** Registers a consumer that stores its offsets itself, so that its lag is reported too. */
  public void reportStoredOffsets(StoredOffsets offsets) {
    storedOffsets.add(offsets);
  }

  List<StoredOffsets> storedOffsets() {
    return List.copyOf(storedOffsets);
  }

  /**
   * Creates every contract topic and its dead-letter topic when missing, with the configured
   * partitions and replication factor and the durability settings of {@link TopicDurability}; then
   * checks the existing ones against those settings and logs each weaker setting as an error.
   * Blocks: call at start-up only.
   *
   * @return the weaker settings found on existing topics (empty when all are as created)
   */
  public static List<TopicDurability.Weakness> ensureTopics(
      String bootstrapServers, Config config) {
    int partitions = config.getInt("ates.kafka.topics.partitions");
    short replication = (short) config.getInt("ates.kafka.topics.replication-factor");
    String prefix = config.getString("ates.kafka.topic-prefix");
    Map<String, String> topicConfig = new HashMap<>(TopicDurability.topicConfig(replication));
    topicConfig.put(
        "retention.ms", Long.toString(config.getLong("ates.kafka.topics.retention-ms")));
    List<NewTopic> wanted = new ArrayList<>();
    for (String topic : Topics.ALL) {
      wanted.add(new NewTopic(prefix + topic, partitions, replication).configs(topicConfig));
      wanted.add(
          new NewTopic(Topics.deadLetter(prefix + topic), 1, replication).configs(topicConfig));
    }
    createMissing(bootstrapServers, wanted);
    List<TopicDurability.Weakness> weak =
        checkDurability(
            bootstrapServers, wanted.stream().map(NewTopic::name).toList(), replication);
    for (TopicDurability.Weakness w : weak) {
      log.error(
          "Kafka topic {} is weaker than aTES creates it: {}={} (wanted {}); acknowledged events"
              + " may be lost if a broker fails. Fix with kafka-configs.sh --alter or"
              + " kafka-reassign-partitions.sh",
          w.topic(),
          w.setting(),
          w.actual(),
          w.wanted());
    }
    return weak;
  }

  /** The weaker settings of the given existing topics (replication factor and topic configs). */
  static List<TopicDurability.Weakness> checkDurability(
      String bootstrapServers, List<String> topics, int wantedReplication) {
    try (Admin admin =
        Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers))) {
      Map<String, TopicDescription> descriptions =
          admin.describeTopics(topics).allTopicNames().get(30, TimeUnit.SECONDS);
      List<ConfigResource> resources =
          topics.stream().map(t -> new ConfigResource(ConfigResource.Type.TOPIC, t)).toList();
      Map<ConfigResource, org.apache.kafka.clients.admin.Config> configs =
          admin.describeConfigs(resources).all().get(30, TimeUnit.SECONDS);
      List<TopicDurability.Weakness> weak = new ArrayList<>();
      for (String topic : topics) {
        TopicDescription d = descriptions.get(topic);
        int rf = d.partitions().stream().mapToInt(p -> p.replicas().size()).min().orElse(0);
        Map<String, String> values = new HashMap<>();
        for (ConfigEntry e :
            configs.get(new ConfigResource(ConfigResource.Type.TOPIC, topic)).entries()) {
          if (e.value() != null) values.put(e.name(), e.value());
        }
        weak.addAll(TopicDurability.check(topic, rf, values, wantedReplication));
      }
      return weak;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("Interrupted while checking Kafka topics", e);
    } catch (Exception e) {
      throw new IllegalStateException("Cannot check Kafka topics at " + bootstrapServers, e);
    }
  }

  static void createMissing(String bootstrapServers, Collection<NewTopic> wanted) {
    try (Admin admin =
        Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers))) {
      Set<String> existing = admin.listTopics().names().get(30, TimeUnit.SECONDS);
      List<NewTopic> missing = wanted.stream().filter(t -> !existing.contains(t.name())).toList();
      if (missing.isEmpty()) return;
      for (var entry : admin.createTopics(missing).values().entrySet()) {
        try {
          entry.getValue().get(30, TimeUnit.SECONDS);
          log.info("Created topic {}", entry.getKey());
        } catch (ExecutionException e) {
          if (!(e.getCause() instanceof TopicExistsException)) throw e;
        }
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("Interrupted while creating Kafka topics", e);
    } catch (Exception e) {
      throw new IllegalStateException("Cannot create Kafka topics at " + bootstrapServers, e);
    }
  }
}
