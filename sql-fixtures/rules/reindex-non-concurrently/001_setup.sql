CREATE SCHEMA s;
CREATE TABLE s.t (id bigint PRIMARY KEY, a text);
CREATE INDEX t_a_idx ON s.t (a);
