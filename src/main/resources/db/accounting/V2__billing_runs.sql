-- Billing runs: one row per billing day being closed or closed, kept by a projection of the
-- billing-day entities; a node that starts resumes every run still 'running'.
CREATE TABLE IF NOT EXISTS billing_runs (
  billing_date DATE        PRIMARY KEY,
  status       VARCHAR(8)  NOT NULL,
  accounts     INT         NOT NULL,
  settled      INT         NOT NULL DEFAULT 0,
  started_at   TIMESTAMPTZ NOT NULL,
  finished_at  TIMESTAMPTZ
);
