-- Idempotency-Keys of POST /api/users (http-api.md, Idempotency): per caller, the fingerprint of
-- the first request's body (password excluded) and its login. The user id derives from the login,
-- so this row is what makes the same key with another login a reused key (422). Kept for good: a
-- retry may come at any later time.
CREATE TABLE IF NOT EXISTS user_idempotency_keys (
  caller      UUID         NOT NULL,
  idem_key    VARCHAR(128) NOT NULL,
  fingerprint CHAR(64)     NOT NULL,
  login       VARCHAR(64)  NOT NULL,
  created_at  TIMESTAMPTZ  NOT NULL,
  PRIMARY KEY (caller, idem_key)
);
