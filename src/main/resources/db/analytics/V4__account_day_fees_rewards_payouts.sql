-- Each account's fees, rewards and payouts per billing day beside its net movement, so the
-- reconciliation compares analytics with the task topics and the ledgers per worker and day.
-- The TransactionCreated figures are rebuilt by reading that topic again from its start (as in V2).
ALTER TABLE day_nets ADD COLUMN IF NOT EXISTS fees BIGINT NOT NULL DEFAULT 0;
ALTER TABLE day_nets ADD COLUMN IF NOT EXISTS rewards BIGINT NOT NULL DEFAULT 0;
ALTER TABLE day_nets ADD COLUMN IF NOT EXISTS payouts BIGINT NOT NULL DEFAULT 0;

TRUNCATE day_nets;
TRUNCATE counted_transactions;
UPDATE day_figures SET fees = 0, rewards = 0;
DELETE FROM kafka_offsets WHERE topic LIKE '%TransactionCreated';
