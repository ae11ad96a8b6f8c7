-- End-of-day balances from each account's net movement per billing day (the sum over the days up
-- to D), instead of the ledger's running balance, which also holds later days' movements when days
-- interleave (a payout of D booked after a fee of D+1). The TransactionCreated figures are rebuilt
-- by reading that topic again from its start.
CREATE TABLE IF NOT EXISTS day_nets (
  account_id   UUID   NOT NULL,
  billing_date DATE   NOT NULL,
  net          BIGINT NOT NULL,
  PRIMARY KEY (account_id, billing_date)
);

DROP TABLE IF EXISTS day_balances;
TRUNCATE counted_transactions;
UPDATE day_figures SET fees = 0, rewards = 0;
DELETE FROM kafka_offsets WHERE topic LIKE '%TransactionCreated';
