CREATE TABLE t (id int);-- x
CREATE INDEX i ON t (id);
DROP INDEX i;
