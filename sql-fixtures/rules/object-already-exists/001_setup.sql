CREATE TABLE accounts (id bigint PRIMARY KEY, email text NOT NULL, plan text);
CREATE INDEX accounts_by_plan ON accounts (plan);
CREATE TYPE account_state AS ENUM ('active', 'closed');
CREATE SCHEMA billing;
CREATE SEQUENCE invoice_numbers;
CREATE VIEW active_accounts AS SELECT id, email FROM accounts;
ALTER TABLE accounts ADD CONSTRAINT plan_known CHECK (plan IN ('free', 'pro'));
