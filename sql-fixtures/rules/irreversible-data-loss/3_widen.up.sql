ALTER TABLE t ALTER COLUMN bio TYPE varchar(1000);
CREATE TABLE scratch (x int);
DROP TABLE scratch;
