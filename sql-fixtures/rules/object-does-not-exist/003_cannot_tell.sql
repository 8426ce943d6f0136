-- Each statement here succeeds on PostgreSQL; pgproof cannot vouch for what the catalog says, and
-- stays silent.

-- Objects the history never created may come from elsewhere; here a `DO` block makes one.
DO $$ BEGIN EXECUTE 'CREATE TABLE ' || 'legacy' || ' (id bigint)'; END $$;
DROP TABLE legacy;

-- `DROP FUNCTION` drops one overload; the model drops the name.
CREATE FUNCTION area(r int) RETURNS int LANGUAGE sql AS 'SELECT r * r';
CREATE FUNCTION area(w int, h int) RETURNS int LANGUAGE sql AS 'SELECT w * h';
DROP FUNCTION area(int);
DROP FUNCTION area(int, int);

-- Names PostgreSQL makes up for unnamed constraints and indexes.
CREATE TABLE shapes (id int, size int CHECK (size > 0), CHECK (size < 100 AND id > 0));
ALTER TABLE shapes DROP CONSTRAINT shapes_check;
CREATE UNIQUE INDEX ON shapes (lower(id::text));
DROP INDEX shapes_lower_idx;

-- Columns copied with `LIKE`, which the model may not copy in full.
CREATE TABLE shapes_copy (LIKE shapes INCLUDING ALL);
ALTER TABLE shapes_copy ALTER COLUMN size SET NOT NULL;

-- Unqualified names follow `search_path`, which the model does not.
CREATE SCHEMA archive;
CREATE TABLE archive.users (id bigint, name text);
SET search_path TO archive, public;
ALTER TABLE users ALTER COLUMN name SET NOT NULL;
RESET search_path;
