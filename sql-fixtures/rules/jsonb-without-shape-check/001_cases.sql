-- expect
CREATE TABLE "Hooks" (id bigint PRIMARY KEY, payload jsonb, raw json, tags jsonb[]);
CREATE SCHEMA app;
CREATE TABLE app.settings (id bigint PRIMARY KEY, data jsonb NOT NULL CHECK (jsonb_typeof(data) = 'object'));
CREATE TABLE app.prefs (id bigint PRIMARY KEY, data pg_catalog.jsonb);
-- expect
ALTER TABLE app.prefs ADD COLUMN extra jsonb;
ALTER TABLE app.prefs ADD CONSTRAINT prefs_data_object CHECK (jsonb_typeof(data) = 'object') NOT VALID;
CREATE TABLE logs (id bigint PRIMARY KEY, body jsonb);
DROP TABLE logs;
