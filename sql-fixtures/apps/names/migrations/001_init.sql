CREATE TABLE accounts (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    email text NOT NULL UNIQUE,
    is_active boolean NOT NULL DEFAULT true
);

CREATE TABLE refills (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    account_id bigint NOT NULL REFERENCES accounts (id),
    amount integer NOT NULL,
    dedupe_key text
);

CREATE INDEX refills_account_id_idx ON refills (account_id);

CREATE UNIQUE INDEX refills_dedupe_key_idx ON refills (dedupe_key)
    WHERE dedupe_key IS NOT NULL AND amount > 0;

CREATE FUNCTION refill_value(r refills) RETURNS integer
    LANGUAGE sql IMMUTABLE AS $$ SELECT r.amount * 2 $$;

CREATE TABLE app_migrations (
    version bigint PRIMARY KEY
);
