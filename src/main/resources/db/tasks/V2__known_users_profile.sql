-- The users replica has the same table in every service (UsersReplica): the profile from the
-- registration, empty until it arrives.
ALTER TABLE known_users ADD COLUMN IF NOT EXISTS login VARCHAR(64);
ALTER TABLE known_users ADD COLUMN IF NOT EXISTS full_name VARCHAR(200);
ALTER TABLE known_users ADD COLUMN IF NOT EXISTS email VARCHAR(254);
