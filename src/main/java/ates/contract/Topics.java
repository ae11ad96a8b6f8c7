package ates.contract;

import java.util.List;

/** Kafka topics of the event contract (events.md). */
public final class Topics {
  public static final String USERS = "Users";
  public static final String TASK_CREATED = "TaskCreated";
  public static final String TASK_ASSIGNED = "TaskAssigned";
  public static final String TASK_COMPLETED = "TaskCompleted";
  public static final String TRANSACTION_CREATED = "TransactionCreated";

  public static final List<String> ALL =
      List.of(USERS, TASK_CREATED, TASK_ASSIGNED, TASK_COMPLETED, TRANSACTION_CREATED);

  /** The dead-letter topic of a topic: where records that cannot be parsed or validated go. */
  public static String deadLetter(String topic) {
    return topic + ".DLT";
  }

  private Topics() {}
}
