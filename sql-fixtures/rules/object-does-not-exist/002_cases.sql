-- expect
DROP TABLE legacy;
-- expect
DROP SEQUENCE legacy_numbers;
-- expect
DROP INDEX sessions_by_user;
-- expect
DROP TYPE user_role;
-- expect
DROP FUNCTION touch();
-- expect
DROP SCHEMA reports;
-- expect
ALTER TABLE legacy ADD COLUMN note text;
-- expect
ALTER TABLE sessions ADD COLUMN note text;
-- expect
ALTER TABLE users ALTER COLUMN name SET NOT NULL;
-- expect
ALTER TABLE users DROP COLUMN email;
-- expect
ALTER TABLE users DROP CONSTRAINT name_present;
-- expect
CREATE INDEX users_by_email ON users (email);
-- expect
CREATE INDEX legacy_id ON legacy (id);
-- expect
INSERT INTO users (id, email) VALUES (1, 'someone@example.com');
-- expect
UPDATE users SET name = 'someone';
-- expect
DELETE FROM legacy;
-- expect
ALTER TABLE users RENAME COLUMN name TO full_name;
-- expect
ALTER TABLE user_sessions ADD CONSTRAINT sessions_legacy FOREIGN KEY (user_id) REFERENCES legacy (id);
-- Never created in the history (a warning: a migration pgproof does not read may add it).
-- expect
ALTER TABLE users ALTER COLUMN nickname SET NOT NULL;
-- A later command of the same statement sees the earlier ones.
-- expect
ALTER TABLE user_sessions DROP COLUMN user_id, ALTER COLUMN user_id SET NOT NULL;
-- Not failures: IF EXISTS, the names as they are now, created again.
DROP TABLE IF EXISTS legacy;
DROP INDEX IF EXISTS sessions_by_user;
ALTER TABLE IF EXISTS legacy ADD COLUMN note text;
ALTER TABLE users ALTER COLUMN display_name SET NOT NULL;
ALTER TABLE users DROP COLUMN IF EXISTS email;
ALTER TABLE users DROP CONSTRAINT IF EXISTS name_present;
CREATE TABLE legacy (id bigint);
DROP TABLE legacy;
