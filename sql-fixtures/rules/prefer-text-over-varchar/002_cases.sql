-- expect
CREATE TABLE a (name varchar(255));
CREATE TABLE b (name varchar, flag char(1), note text);
-- expect
ALTER TABLE b ADD COLUMN code character(3);
