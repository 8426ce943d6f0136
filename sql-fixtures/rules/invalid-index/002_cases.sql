-- A concurrent build in a migration is not known to have failed: no finding from replay.
CREATE TABLE t (id bigint PRIMARY KEY, a text);
CREATE INDEX CONCURRENTLY t_a_idx ON t (a);
