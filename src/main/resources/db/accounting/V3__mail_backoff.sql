-- Payout mails that cannot be sent yet wait with a growing delay instead of blocking the others.
ALTER TABLE mail_outbox ADD COLUMN IF NOT EXISTS next_attempt_at TIMESTAMPTZ NOT NULL DEFAULT now();
DROP INDEX IF EXISTS mail_outbox_pending_idx;
CREATE INDEX IF NOT EXISTS mail_outbox_due_idx ON mail_outbox (next_attempt_at) WHERE status = 'pending';
