package ates.testing;

import ates.contract.EventEnvelope;
import ates.contract.EventJson;
import ates.contract.TransactionType;
import ates.contract.events.TransactionCreatedV1;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * What a broken ledger handler would do: publish one fee's {@code TransactionCreated} again under a
 * new eventId, a fee booked twice. The checks must catch it.
 */
public final class BrokenLedger {

  private BrokenLedger() {}

  /** Publishes the first fee on {@code topic} again under a new eventId; returns that fee. */
  public static TransactionCreatedV1 bookAFeeTwice(String bootstrap, String topic, Duration timeout)
      throws Exception {
    List<ConsumerRecord<String, byte[]>> records =
        TopicReader.readUntil(
            bootstrap,
            topic,
            timeout,
            rs -> rs.stream().anyMatch(r -> isFee(EventJson.decode(r.value()))));
    ConsumerRecord<String, byte[]> original =
        records.stream().filter(r -> isFee(EventJson.decode(r.value()))).findFirst().orElseThrow();
    EventEnvelope fee = EventJson.decode(original.value());
    EventEnvelope again =
        new EventEnvelope(
            UUID.randomUUID(),
            fee.eventName(),
            fee.eventVersion(),
            fee.eventTime(),
            fee.producer(),
            fee.data());
    try (KafkaProducer<String, byte[]> producer =
        new KafkaProducer<>(
            Map.of("bootstrap.servers", bootstrap, "acks", "all"),
            new StringSerializer(),
            new ByteArraySerializer())) {
      producer.send(new ProducerRecord<>(topic, original.key(), EventJson.encode(again))).get();
    }
    return EventJson.dataAs(fee, TransactionCreatedV1.class);
  }

  private static boolean isFee(EventEnvelope e) {
    return TransactionCreatedV1.NAME.equals(e.eventName())
        && EventJson.dataAs(e, TransactionCreatedV1.class).type() == TransactionType.ASSIGNMENT_FEE;
  }
}
