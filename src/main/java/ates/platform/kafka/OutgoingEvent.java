package ates.platform.kafka;

import java.time.Instant;

/**
 * One record a service publishes for a journal event: the topic, the aggregate id as the key, the
 * contract event's name and version, its data (a contract record) and when it happened.
 */
public record OutgoingEvent(
    String topic, String key, String eventName, int eventVersion, Object data, Instant eventTime) {}
