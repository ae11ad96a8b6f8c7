package ates.platform;

/**
 * Marker of every entity command, event, reply and state: bound to Akka's {@code jackson-cbor}
 * serializer in {@code serialization.conf}.
 */
public interface CborSerializable {}
