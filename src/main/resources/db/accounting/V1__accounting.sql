-- Audit log: every ledger movement, kept by the accounting read-model projection (exactly once).
CREATE TABLE IF NOT EXISTS transactions (
  transaction_id VARCHAR(200) PRIMARY KEY,
  account_id     UUID         NOT NULL,
  seq            BIGINT       NOT NULL,
  type           VARCHAR(24)  NOT NULL,
  direction      VARCHAR(8)   NOT NULL,
  amount         BIGINT       NOT NULL,
  balance_after  BIGINT       NOT NULL,
  task_id        UUID,
  description    VARCHAR(600) NOT NULL,
  billing_date   DATE         NOT NULL,
  created_at     TIMESTAMPTZ  NOT NULL
);

CREATE INDEX IF NOT EXISTS transactions_account_idx ON transactions (account_id, created_at DESC, seq DESC);

-- Balances: one row per account, the balance after its newest movement.
CREATE TABLE IF NOT EXISTS balances (
  account_id UUID   PRIMARY KEY,
  balance    BIGINT NOT NULL,
  seq        BIGINT NOT NULL
);

-- Management earnings per billing day: fees debited and rewards credited that day (additive).
CREATE TABLE IF NOT EXISTS daily_earnings (
  billing_date DATE   PRIMARY KEY,
  fees         BIGINT NOT NULL DEFAULT 0,
  rewards      BIGINT NOT NULL DEFAULT 0
);

-- The accounting service's replica of users, from the Users topic (for emails and the billing run).
CREATE TABLE IF NOT EXISTS known_users (
  user_id    UUID         PRIMARY KEY,
  login      VARCHAR(64)  NOT NULL,
  full_name  VARCHAR(200) NOT NULL,
  email      VARCHAR(254) NOT NULL,
  role       VARCHAR(16)  NOT NULL,
  changed_at TIMESTAMPTZ  NOT NULL
);

-- Payout emails: written in the same transaction as the projection offset of the payout, then
-- delivered through SMTP (status 'sent'), or kept and logged when no SMTP server is configured.
CREATE TABLE IF NOT EXISTS mail_outbox (
  transaction_id VARCHAR(200) PRIMARY KEY,
  account_id     UUID         NOT NULL,
  recipient      VARCHAR(254),
  subject        VARCHAR(200) NOT NULL,
  body           TEXT         NOT NULL,
  status         VARCHAR(8)   NOT NULL,
  created_at     TIMESTAMPTZ  NOT NULL,
  sent_at        TIMESTAMPTZ,
  attempts       INT          NOT NULL DEFAULT 0
);

CREATE INDEX IF NOT EXISTS mail_outbox_pending_idx ON mail_outbox (status) WHERE status = 'pending';
