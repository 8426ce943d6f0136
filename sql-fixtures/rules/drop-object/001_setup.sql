CREATE SCHEMA reporting;
CREATE TABLE t (id bigint PRIMARY KEY);
CREATE VIEW reporting.v AS SELECT id FROM t;
CREATE TYPE mood AS ENUM ('a', 'b');
CREATE SEQUENCE counter;
