\set ON_ERROR_STOP 1
CREATE TABLE "ünïcode_tëst" (id bigint PRIMARY KEY, "naïve" text);
ALTER TABLE "ünïcode_tëst" ADD COLUMN x int DEFAULT random()::int;
CREATE TABLE broken (id bigint PRIMARY KEY,,);
\i other.sql
CREATE INDEX ON "ünïcode_tëst" ("naïve");
SELEC 1;
