-- expect
CREATE TABLE a (name varchar(255));
CREATE TABLE b (name varchar, flag char(1), note text);
-- expect
ALTER TABLE b ADD COLUMN code character(3);
-- `char` and `character` without a length mean `char(1)`: longer values fail.
-- expect
ALTER TABLE b ADD COLUMN grade char;
-- expect
CREATE TABLE c (id bigint, kind character NOT NULL);
-- The quoted "char" is PostgreSQL's internal one-byte type, and `char(1)` says what it means.
CREATE TABLE d (id bigint, tag "char", flag char(1), marks pg_catalog."char");
