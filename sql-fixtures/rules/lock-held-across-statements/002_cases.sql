BEGIN;
ALTER TABLE users ADD COLUMN nickname text;
-- More work on the same table only extends the same lock: left to that statement's rules.
ALTER TABLE users ADD COLUMN bio text;
SET LOCAL statement_timeout = '1min';
-- expect
CREATE INDEX orders_user_id_idx ON orders (user_id);
-- Reported once per transaction.
UPDATE orders SET note = '' WHERE note IS NULL;
COMMIT;
BEGIN;
-- A table created in this transaction is nobody else's yet.
CREATE TABLE audit (id bigint PRIMARY KEY);
ALTER TABLE audit ADD COLUMN at timestamptz;
UPDATE orders SET note = 'x' WHERE id = 1;
COMMIT;
BEGIN;
-- An index the history never had: no table is known to be locked.
DROP INDEX IF EXISTS never_created_idx;
CREATE INDEX orders_note_idx ON orders (note);
COMMIT;
BEGIN;
ALTER TABLE users ADD COLUMN city text;
-- Queries that return at once do not extend the lock.
SELECT set_config('app.migrating', 'on', true);
SELECT 1;
-- A query that reads a table runs while `users` is locked.
-- expect
SELECT count(*) FROM orders WHERE note IS NULL;
COMMIT;
BEGIN;
ALTER TABLE users ADD COLUMN country text;
-- So does a function pgproof does not know (a backfill, a sleep).
-- expect
SELECT backfill_order_notes();
COMMIT;
-- Renaming a type locks no table, and `EXPLAIN` without `ANALYZE` runs nothing.
CREATE TYPE phase AS ENUM ('a', 'b');
BEGIN;
ALTER TYPE phase RENAME TO stage;
CREATE INDEX orders_id_note_idx ON orders (id, note);
COMMIT;
BEGIN;
ALTER TABLE users ADD COLUMN zip text;
EXPLAIN (COSTS OFF) SELECT count(*) FROM orders;
-- expect
EXPLAIN ANALYZE SELECT count(*) FROM orders;
COMMIT;
-- Dropping a function locks no table either.
CREATE FUNCTION report_orders() RETURNS int LANGUAGE sql AS $$ SELECT 1 $$;
BEGIN;
DROP FUNCTION report_orders();
CREATE INDEX orders_note_id_idx ON orders (note, id);
COMMIT;
