-- Identity read model: one row per user, maintained by the identity read-model projection.
CREATE TABLE IF NOT EXISTS users (
  user_id       UUID         PRIMARY KEY,
  login         VARCHAR(64)  NOT NULL UNIQUE,
  full_name     VARCHAR(200) NOT NULL,
  email         VARCHAR(254) NOT NULL,
  role          VARCHAR(16)  NOT NULL,
  registered_at TIMESTAMPTZ  NOT NULL,
  updated_at    TIMESTAMPTZ  NOT NULL
);

CREATE INDEX IF NOT EXISTS users_role_idx ON users (role);
