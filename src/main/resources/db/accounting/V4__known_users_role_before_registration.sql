-- The users replica has the same table in every service (UsersReplica): a role change read
-- before its registration is kept, so the profile is empty until the registration arrives.
ALTER TABLE known_users ALTER COLUMN login DROP NOT NULL;
ALTER TABLE known_users ALTER COLUMN full_name DROP NOT NULL;
ALTER TABLE known_users ALTER COLUMN email DROP NOT NULL;
