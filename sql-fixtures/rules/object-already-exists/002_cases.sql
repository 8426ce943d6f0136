-- expect
CREATE TABLE accounts (id bigint PRIMARY KEY);
-- expect
CREATE INDEX accounts_by_plan ON accounts (email);
-- expect
CREATE SEQUENCE invoice_numbers;
-- expect
CREATE VIEW active_accounts AS SELECT id FROM accounts;
-- expect
CREATE MATERIALIZED VIEW active_accounts AS SELECT id FROM accounts;
-- expect
CREATE TYPE account_state AS ENUM ('other');
-- A table's row type carries the table's name.
-- expect
CREATE TYPE accounts AS (a int);
-- expect
CREATE SCHEMA billing;
-- expect
ALTER TABLE accounts ADD COLUMN plan text;
-- expect
ALTER TABLE accounts ADD PRIMARY KEY (email);
-- expect
ALTER TABLE accounts ADD CONSTRAINT plan_known CHECK (plan <> '');
-- A later command of the same statement sees the earlier ones.
-- expect
ALTER TABLE accounts ADD COLUMN region text, ADD COLUMN region text;
-- Not failures: IF NOT EXISTS, OR REPLACE, dropped first, dropped earlier in the statement.
CREATE TABLE IF NOT EXISTS accounts (id bigint);
CREATE INDEX IF NOT EXISTS accounts_by_plan ON accounts (plan);
CREATE OR REPLACE VIEW active_accounts AS SELECT id, email FROM accounts;
CREATE SCHEMA IF NOT EXISTS billing;
ALTER TABLE accounts ADD COLUMN IF NOT EXISTS plan text;
DROP INDEX accounts_by_plan;
CREATE INDEX accounts_by_plan ON accounts (plan, email);
ALTER TABLE accounts DROP CONSTRAINT plan_known, ADD CONSTRAINT plan_known CHECK (plan <> '');
ALTER TABLE accounts DROP COLUMN plan, ADD COLUMN plan text;
-- Renamed to a name that is taken.
-- expect
ALTER SEQUENCE invoice_numbers RENAME TO active_accounts;
-- expect
ALTER TABLE accounts RENAME COLUMN email TO plan;
