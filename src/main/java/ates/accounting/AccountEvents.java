package ates.accounting;

import ates.contract.Topics;
import ates.contract.events.TransactionCreatedV1;
import ates.platform.kafka.OutgoingEvent;
import java.util.List;

/** What each ledger journal event publishes: one {@code TransactionCreated} per movement. */
final class AccountEvents {

  private AccountEvents() {}

  static List<OutgoingEvent> toContract(Account.Event event) {
    if (!(event instanceof Account.Moved moved)) return List.of();
    Account.Movement m = moved.movement();
    return List.of(
        new OutgoingEvent(
            Topics.TRANSACTION_CREATED,
            moved.accountId().toString(),
            TransactionCreatedV1.NAME,
            TransactionCreatedV1.VERSION,
            new TransactionCreatedV1(
                m.transactionId(),
                moved.accountId(),
                m.type(),
                m.direction(),
                m.amount(),
                moved.balanceAfter(),
                m.taskId(),
                m.description(),
                m.billingDate(),
                m.createdAt()),
            m.createdAt()));
  }
}
