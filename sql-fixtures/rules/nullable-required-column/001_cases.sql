-- expect
CREATE TABLE "Events" (id bigint PRIMARY KEY, created_at timestamptz DEFAULT now(), note text DEFAULT NULL);
CREATE SCHEMA app;
CREATE TABLE app.accounts (id bigint PRIMARY KEY, active boolean NOT NULL DEFAULT true);
CREATE TABLE app.users (id bigint PRIMARY KEY, tenant_id bigint, email text NOT NULL, UNIQUE NULLS NOT DISTINCT (tenant_id, email));
CREATE TABLE owners (id bigint PRIMARY KEY);
-- expect
CREATE TABLE pets (id bigint PRIMARY KEY, owner_id bigint REFERENCES owners ON DELETE CASCADE, vet_id bigint REFERENCES owners);
CREATE TABLE checked (id bigint PRIMARY KEY, state text DEFAULT 'new', CONSTRAINT state_set CHECK (state IS NOT NULL));
-- expect
CREATE TABLE slots (id bigint PRIMARY KEY, room text, starts_at timestamptz NOT NULL);
CREATE UNIQUE INDEX slots_room_start ON slots (room, starts_at);
CREATE UNIQUE INDEX slots_room_only ON slots (room, starts_at) WHERE room IS NOT NULL;
