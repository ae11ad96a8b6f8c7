package ates.platform.cluster;

import com.typesafe.config.Config;
import java.time.Duration;

/**
 * The timing of a {@link PostgresLease}, and its rules.
 *
 * <ul>
 *   <li>{@code duration} ({@code heartbeat-timeout}): a lease row expires this long after the
 *       database received its last renewal, by the database's clock. Another owner can take it only
 *       then.
 *   <li>{@code heartbeatInterval}: how often the holder renews (one UPDATE for all its leases).
 *   <li>{@code operationTimeout}: how long a statement (and getting a connection) may take.
 *   <li>{@code safetyMargin}: the holder gives a lease up (its lease-lost callback stops the
 *       entities) once {@code duration - safetyMargin} has passed, on its own monotonic clock,
 *       since it sent its last successful renewal. It measures from the moment it sent the
 *       statement, which is before the database stamped it, so its deadline falls before the row's
 *       expiry whatever the offset between the clocks.
 * </ul>
 *
 * Rules (checked here): {@code heartbeatInterval + operationTimeout < duration - safetyMargin}, so
 * that at least one renewal can fail or time out without losing the lease; {@code safetyMargin > 2
 * x check period} (a quarter of the margin, at most the heartbeat interval), so the deadline is
 * seen in time. Clock skew between nodes does not matter (nodes compare nothing with their wall
 * clocks); what the margin has to cover is the drift of a node's clock rate against the database's
 * over one {@code duration} (parts per million), the time the callback takes to stop the entities,
 * and, if the database fails over, the clock offset between the old and the new primary.
 */
record LeaseTiming(
    Duration duration,
    Duration heartbeatInterval,
    Duration operationTimeout,
    Duration safetyMargin) {

  LeaseTiming {
    if (duration.isNegative()
        || duration.isZero()
        || heartbeatInterval.isNegative()
        || heartbeatInterval.isZero()) {
      throw new IllegalArgumentException(
          "lease durations must be positive: "
              + describe(duration, heartbeatInterval, operationTimeout, safetyMargin));
    }
    if (heartbeatInterval.plus(operationTimeout).compareTo(duration.minus(safetyMargin)) >= 0) {
      throw new IllegalArgumentException(
          "lease heartbeat-interval + lease-operation-timeout must be below heartbeat-timeout -"
              + " safety-margin: "
              + describe(duration, heartbeatInterval, operationTimeout, safetyMargin));
    }
    if (safetyMargin.compareTo(Duration.ofMillis(200)) < 0) {
      throw new IllegalArgumentException(
          "lease safety-margin must be at least 200ms: "
              + describe(duration, heartbeatInterval, operationTimeout, safetyMargin));
    }
  }

  private static String describe(Duration d, Duration i, Duration o, Duration m) {
    return "heartbeat-timeout "
        + d.toMillis()
        + " ms, heartbeat-interval "
        + i.toMillis()
        + " ms, lease-operation-timeout "
        + o.toMillis()
        + " ms, safety-margin "
        + m.toMillis()
        + " ms";
  }

  static LeaseTiming from(Config leaseConfig) {
    return new LeaseTiming(
        leaseConfig.getDuration("heartbeat-timeout"),
        leaseConfig.getDuration("heartbeat-interval"),
        leaseConfig.getDuration("lease-operation-timeout"),
        leaseConfig.getDuration("safety-margin"));
  }

  /** How often the renewer looks at its deadlines. */
  Duration checkPeriod() {
    Duration quarter = safetyMargin.dividedBy(4);
    return quarter.compareTo(heartbeatInterval) < 0 ? quarter : heartbeatInterval;
  }

  /** How long after sending its last successful renewal the holder gives a lease up. */
  Duration localValidity() {
    return duration.minus(safetyMargin);
  }
}
