-- Replay knows no sequence values.
CREATE TABLE t (id serial PRIMARY KEY);
CREATE SEQUENCE counter AS smallint;
