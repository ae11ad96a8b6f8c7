-- Leases of sharded entities, sharded daemon processes and singletons (ates.platform.cluster.PostgresLease):
-- one row per lease name. A lease is held by `owner` until `expires_at`, a time of this database's
-- clock (now()); nodes never compare their own clocks with it.
CREATE TABLE IF NOT EXISTS akka_lease (
  name       TEXT PRIMARY KEY,
  owner      TEXT NOT NULL,
  expires_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX IF NOT EXISTS akka_lease_owner ON akka_lease (owner);

-- The cluster that uses this database (ates.platform.cluster.ClusterGuard): one row, renewed by the
-- oldest node of that cluster (a cluster singleton) until `expires_at` (database clock).
CREATE TABLE IF NOT EXISTS cluster_incarnation (
  id          INT PRIMARY KEY CHECK (id = 1),
  incarnation TEXT NOT NULL,
  keeper      TEXT NOT NULL,
  expires_at  TIMESTAMPTZ NOT NULL
);
