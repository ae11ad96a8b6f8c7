-- Tasks read model: one row per task, kept by the tasks read-model projection (exactly once).
CREATE TABLE IF NOT EXISTS tasks (
  task_id           UUID          PRIMARY KEY,
  title             VARCHAR(200)  NOT NULL,
  jira_id           VARCHAR(64),
  description       VARCHAR(4000) NOT NULL,
  status            VARCHAR(8)    NOT NULL,
  assignee_id       UUID          NOT NULL,
  assignment_no     INT           NOT NULL,
  assign_fee        BIGINT        NOT NULL,
  completion_reward BIGINT        NOT NULL,
  created_by        UUID          NOT NULL,
  created_at        TIMESTAMPTZ   NOT NULL,
  completed_at      TIMESTAMPTZ
);

CREATE INDEX IF NOT EXISTS tasks_assignee_status_idx ON tasks (assignee_id, status);
CREATE INDEX IF NOT EXISTS tasks_status_idx ON tasks (status, task_id);

-- The tasks service's replica of users, from the Users topic: who may be assigned.
CREATE TABLE IF NOT EXISTS known_users (
  user_id    UUID        PRIMARY KEY,
  role       VARCHAR(16) NOT NULL,
  changed_at TIMESTAMPTZ NOT NULL
);

CREATE INDEX IF NOT EXISTS known_users_role_idx ON known_users (role);
