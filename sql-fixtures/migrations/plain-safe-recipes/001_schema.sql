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
