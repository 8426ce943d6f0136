-- DROP TYPE, DROP DOMAIN and DROP FUNCTION without CASCADE while something uses them.
CREATE TYPE mood AS ENUM ('happy', 'sad');
CREATE TYPE weather AS ENUM ('sun', 'rain');
CREATE TYPE unused_kind AS ENUM ('a');
CREATE TABLE people (id bigint PRIMARY KEY, current_mood mood, forecast weather[]);
-- expect
DROP TYPE mood;
-- `IF EXISTS` changes nothing: the type exists.
-- expect
DROP TYPE IF EXISTS weather;
DROP TYPE unused_kind;
CREATE DOMAIN positive_int AS integer CHECK (VALUE > 0);
CREATE FUNCTION double_it(x positive_int) RETURNS integer LANGUAGE sql AS 'SELECT x * 2';
-- expect
DROP DOMAIN positive_int;

CREATE FUNCTION touch() RETURNS trigger LANGUAGE plpgsql AS $$BEGIN NEW.updated_at := now(); RETURN NEW; END$$;
CREATE FUNCTION stamp() RETURNS trigger LANGUAGE plpgsql AS $$BEGIN NEW.updated_at := now(); RETURN NEW; END$$;
CREATE FUNCTION make_code() RETURNS text LANGUAGE sql AS $$SELECT md5(random()::text)$$;
CREATE FUNCTION is_even(x integer) RETURNS boolean LANGUAGE sql IMMUTABLE AS $$SELECT x % 2 = 0$$;
CREATE FUNCTION shout(t text) RETURNS text LANGUAGE sql IMMUTABLE AS $$SELECT upper(t)$$;
CREATE FUNCTION label(t text) RETURNS text LANGUAGE sql IMMUTABLE AS $$SELECT '#' || t$$;
CREATE FUNCTION unused() RETURNS integer LANGUAGE sql AS $$SELECT 1$$;
CREATE TABLE notes (
  id bigint PRIMARY KEY,
  n integer CHECK (is_even(n)),
  body text,
  updated_at timestamptz,
  code text DEFAULT make_code()
);
CREATE TRIGGER notes_touch BEFORE UPDATE ON notes FOR EACH ROW EXECUTE FUNCTION touch();
CREATE TRIGGER notes_stamp BEFORE INSERT ON notes FOR EACH ROW EXECUTE FUNCTION stamp();
CREATE INDEX notes_shout ON notes (shout(body));
CREATE VIEW labelled AS SELECT label(body) AS l FROM notes;
-- expect
DROP FUNCTION touch();
-- expect
DROP FUNCTION IF EXISTS make_code;
-- expect
DROP FUNCTION is_even(integer);
-- expect
DROP FUNCTION shout(text);
-- expect
DROP FUNCTION label(text);
DROP FUNCTION unused();
-- Dropping the dependents first makes it work.
DROP TRIGGER notes_stamp ON notes;
DROP FUNCTION stamp();
-- Tables that inherit go with their parent on `CASCADE`, and their triggers with them.
CREATE TABLE events (id bigint);
CREATE TABLE events_2024 () INHERITS (events);
CREATE FUNCTION note_event() RETURNS trigger LANGUAGE plpgsql AS $$BEGIN RETURN NEW; END$$;
CREATE TRIGGER events_2024_note BEFORE INSERT ON events_2024 FOR EACH ROW EXECUTE FUNCTION note_event();
DROP TABLE events CASCADE;
DROP FUNCTION note_event();
-- A temporary table is dropped by its unqualified name before the type it uses.
CREATE TYPE pairing AS (a text, b text);
CREATE TEMP TABLE scratch (p pairing[]);
DROP TABLE scratch;
DROP TYPE pairing;
