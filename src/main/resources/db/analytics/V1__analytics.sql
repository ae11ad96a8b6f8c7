-- Analytics: aggregates written in the same transaction as the Kafka offsets that produced them.

-- Next offset to read per consumer, topic and partition: the ingestion streams resume from here.
CREATE TABLE IF NOT EXISTS kafka_offsets (
  consumer    VARCHAR(64)  NOT NULL,
  topic       VARCHAR(249) NOT NULL,
  partition   INT          NOT NULL,
  next_offset BIGINT       NOT NULL,
  PRIMARY KEY (consumer, topic, partition)
);

-- Figures of a billing day from TransactionCreated (fees, rewards) and TaskCompleted (tasks).
CREATE TABLE IF NOT EXISTS day_figures (
  billing_date    DATE   PRIMARY KEY,
  fees            BIGINT NOT NULL DEFAULT 0,
  rewards         BIGINT NOT NULL DEFAULT 0,
  completed_tasks BIGINT NOT NULL DEFAULT 0,
  reward_sum      BIGINT NOT NULL DEFAULT 0
);

-- Movements counted, by transaction id: a duplicate record never counts twice.
CREATE TABLE IF NOT EXISTS counted_transactions (
  transaction_id VARCHAR(200) PRIMARY KEY
);

-- Completed tasks, by task id (a duplicate never counts twice), for the most expensive task.
CREATE TABLE IF NOT EXISTS completed_tasks (
  task_id           UUID         PRIMARY KEY,
  title             VARCHAR(200) NOT NULL,
  jira_id           VARCHAR(64),
  completion_reward BIGINT       NOT NULL,
  completed_at      TIMESTAMPTZ  NOT NULL,
  billing_date      DATE         NOT NULL
);

CREATE INDEX IF NOT EXISTS completed_tasks_day_idx ON completed_tasks (billing_date, completion_reward DESC);

-- Each account's last balance per billing day, by ledger order (the record's offset in the
-- account's partition): the end-of-day balance of day D is the newest row with a day <= D.
CREATE TABLE IF NOT EXISTS day_balances (
  account_id    UUID   NOT NULL,
  billing_date  DATE   NOT NULL,
  balance_after BIGINT NOT NULL,
  ledger_offset BIGINT NOT NULL,
  PRIMARY KEY (account_id, billing_date)
);

-- Roles, from the Users topic.
CREATE TABLE IF NOT EXISTS user_roles (
  user_id    UUID        PRIMARY KEY,
  role       VARCHAR(16) NOT NULL,
  changed_at TIMESTAMPTZ NOT NULL
);
