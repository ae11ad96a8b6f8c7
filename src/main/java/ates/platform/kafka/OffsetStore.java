package ates.platform.kafka;

import akka.Done;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletionStage;
import org.apache.kafka.common.TopicPartition;

/**
 * The offsets of a stream that keeps them in its own database ({@link Offsets#storedBy}): the
 * handler writes {@link RecordPosition#nextOffset()} in the transaction of the record's effects;
 * the consumer block reads them back when partitions are assigned, and moves them past records that
 * have no effect (dead-lettered).
 */
public interface OffsetStore {

  /** The next offset to read of each partition; a partition never read is absent (read from 0). */
  CompletionStage<Map<TopicPartition, Long>> nextOffsets(Set<TopicPartition> partitions);

  /** Stores the offset after a record that had no effect, so it is not read again. */
  CompletionStage<Done> skip(RecordPosition position);
}
