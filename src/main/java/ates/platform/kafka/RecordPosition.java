package ates.platform.kafka;

/** Where a record was read: its topic (with the node's prefix), partition and offset. */
public record RecordPosition(String topic, int partition, long offset) {

  /** The offset to read after this record: what a stream storing its own offsets stores. */
  public long nextOffset() {
    return offset + 1;
  }
}
