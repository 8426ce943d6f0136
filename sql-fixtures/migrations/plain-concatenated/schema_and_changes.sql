CREATE TABLE accounts (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    email text NOT NULL
);
-- New table in the same migration: no CONCURRENTLY needed.
CREATE UNIQUE INDEX accounts_email_key ON accounts (email);

CREATE TABLE invoices (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    -- FK inside CREATE TABLE: only a brief lock on accounts.
    account_id bigint NOT NULL REFERENCES accounts (id),
    amount numeric(12, 2)
);
CREATE INDEX invoices_account_id_idx ON invoices (account_id);
ALTER TABLE invoices ADD CONSTRAINT invoices_amount_positive CHECK (amount > 0) NOT VALID;
ALTER TABLE invoices ADD CONSTRAINT invoices_amount_not_null CHECK (amount IS NOT NULL) NOT VALID;
ALTER TABLE invoices VALIDATE CONSTRAINT invoices_amount_positive;
ALTER TABLE invoices VALIDATE CONSTRAINT invoices_amount_not_null;
-- PostgreSQL 12+ skips the scan thanks to the validated check above.
ALTER TABLE invoices ALTER COLUMN amount SET NOT NULL;
ALTER TABLE invoices DROP CONSTRAINT invoices_amount_not_null;
CREATE INDEX CONCURRENTLY invoices_amount_idx ON invoices (amount);
ALTER TABLE accounts ADD COLUMN created_at timestamptz NOT NULL DEFAULT now();
-- The one hazard in this file:
CREATE INDEX invoices_created_idx ON invoices (id, amount);
