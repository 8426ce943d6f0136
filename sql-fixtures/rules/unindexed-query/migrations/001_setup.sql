CREATE SCHEMA app;
CREATE TABLE app.events (
  id bigint PRIMARY KEY,
  "Kind" text NOT NULL,
  account_id bigint NOT NULL,
  created_at timestamptz NOT NULL,
  processed_at timestamptz,
  payload jsonb
);
CREATE INDEX events_account_created_idx ON app.events (account_id, created_at);
CREATE INDEX events_pending_idx ON app.events (created_at) WHERE processed_at IS NULL;
CREATE INDEX CONCURRENTLY events_kind_idx ON app.events ("Kind");
CREATE TABLE app.accounts (id bigint PRIMARY KEY, email text NOT NULL, plan text NOT NULL);
