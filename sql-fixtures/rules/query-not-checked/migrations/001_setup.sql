CREATE TABLE items (id bigint PRIMARY KEY, name text NOT NULL, created_at timestamptz NOT NULL);
