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
            TransactionCreatedV1.builder()
                .transactionId(m.transactionId())
                .accountId(moved.accountId())
                .type(m.type())
                .amount(m.amount())
                .balanceAfter(moved.balanceAfter())
                .taskId(m.taskId())
                .description(m.description())
                .billingDate(m.billingDate())
                .createdAt(m.createdAt())
                .build(),
            m.createdAt()));
  }
}
