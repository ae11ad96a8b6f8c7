package ates.platform.db;

import java.util.List;

/**
 * A read model built from a service's journal alone by one projection: the projection's name (its
 * offsets in {@code akka_projection_offset_store}) and the tables it alone writes. Emptying those
 * tables and deleting those offsets in one transaction makes the next node rebuild the read model
 * from the first journal event ({@code rebuild-read-models}). A table that also holds state of its
 * own (such as a mail's delivery) is not listed: its rows are kept, and the projection adds only
 * the missing ones.
 */
public record RebuildableReadModel(String projection, List<String> tables) {

  public RebuildableReadModel {
    tables = List.copyOf(tables);
    if (tables.isEmpty()) throw new IllegalArgumentException(projection + ": no tables");
  }
}
