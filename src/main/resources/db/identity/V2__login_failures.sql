-- Failed logins per key (a login's user id, or a client address) and fixed time window, shared by
-- every identity node: the login rate limit of http-api.md (Tokens).
CREATE TABLE IF NOT EXISTS login_failures (
  key          VARCHAR(80)  NOT NULL,
  window_start TIMESTAMPTZ  NOT NULL,
  failures     INTEGER      NOT NULL,
  PRIMARY KEY (key, window_start)
);

CREATE INDEX IF NOT EXISTS login_failures_window_idx ON login_failures (window_start);
