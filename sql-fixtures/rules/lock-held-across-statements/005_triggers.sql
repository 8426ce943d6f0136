BEGIN;
-- A trigger or policy the table does not have: PostgreSQL skips the drop and keeps no lock.
DROP TRIGGER IF EXISTS users_touch ON users;
DROP POLICY IF EXISTS users_owner ON users;
CREATE INDEX orders_note_user_idx ON orders (note, user_id);
COMMIT;
CREATE FUNCTION touch() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END $$;
CREATE TRIGGER users_touch BEFORE UPDATE ON users FOR EACH ROW EXECUTE FUNCTION touch();
BEGIN;
-- One it has: the drop holds `ACCESS EXCLUSIVE` on `users` until the end.
DROP TRIGGER IF EXISTS users_touch ON users;
-- expect
CREATE INDEX orders_user_note_idx ON orders (user_id, note);
COMMIT;
