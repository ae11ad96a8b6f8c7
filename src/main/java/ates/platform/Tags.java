package ates.platform;

import java.util.List;
import java.util.stream.IntStream;

/**
 * A fixed list of journal tags for one entity type, each entity on one tag chosen by a stable hash
 * of its id; one projection instance per tag. Changing {@code count} re-tags only new events, so
 * keep it fixed once a system is in production.
 */
public record Tags(String prefix, int count) {

  public List<String> all() {
    return IntStream.range(0, count).mapToObj(i -> prefix + "-" + i).toList();
  }

  public String forEntity(String entityId) {
    return prefix + "-" + Math.floorMod(entityId.hashCode(), count);
  }
}
