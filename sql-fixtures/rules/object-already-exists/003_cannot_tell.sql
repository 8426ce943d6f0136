-- Each statement here succeeds on PostgreSQL; pgproof cannot vouch for what the catalog says, and
-- stays silent.

-- Unnamed indexes get a free name from PostgreSQL: they never clash.
CREATE INDEX ON accounts (email);
CREATE INDEX ON accounts (email);

-- An index on a temporary table lives in the temporary schema.
CREATE INDEX accounts_by_email ON accounts (email);
CREATE TEMP TABLE accounts (id int, email text);
CREATE INDEX accounts_by_email ON accounts (email);
DROP TABLE accounts;

-- `ON COMMIT DROP` takes the table and its index away at commit.
BEGIN;
CREATE TEMP TABLE scratch (id int) ON COMMIT DROP;
CREATE INDEX scratch_id ON scratch (id);
COMMIT;
BEGIN;
CREATE TEMP TABLE scratch (id int) ON COMMIT DROP;
CREATE INDEX scratch_id ON scratch (id);
COMMIT;

-- A `DO` block may drop what the catalog still holds.
CREATE TABLE audit_log (id bigint);
DO $$ BEGIN EXECUTE 'DROP TABLE ' || 'audit_log'; END $$;
CREATE TABLE audit_log (id bigint);

-- So may a function the history created, when a statement calls it.
CREATE FUNCTION reset_cache() RETURNS void LANGUAGE plpgsql AS $$ BEGIN DROP TABLE IF EXISTS cache; END $$;
CREATE TABLE cache (k text);
SELECT reset_cache();
CREATE TABLE cache (k text);

-- What a rolled-back transaction created is gone.
BEGIN;
CREATE TABLE drafts (id bigint);
ROLLBACK;
CREATE TABLE drafts (id bigint);

-- A primary key added `USING INDEX` takes the index's name.
CREATE TABLE keyed (a int NOT NULL, b int NOT NULL);
CREATE UNIQUE INDEX keyed_a ON keyed (a);
ALTER TABLE keyed ADD PRIMARY KEY USING INDEX keyed_a;
CREATE UNIQUE INDEX keyed_b ON keyed (b);
ALTER TABLE keyed DROP CONSTRAINT keyed_a, ADD PRIMARY KEY USING INDEX keyed_b;

-- Unqualified names follow `search_path`, which the model does not.
CREATE SCHEMA archive;
SET search_path TO archive, public;
CREATE TABLE accounts (id bigint);
CREATE INDEX accounts_by_plan ON accounts (id);
RESET search_path;
