-- expect
VACUUM (FULL, ANALYZE) big;
VACUUM (ANALYZE) big;
-- expect
ALTER TABLE big SET TABLESPACE pg_default;
CREATE TABLE fresh (id bigint PRIMARY KEY);
VACUUM FULL fresh;
-- `FULL FALSE` (or `off`, `0`) is a plain vacuum, which rewrites nothing.
VACUUM (FULL FALSE) big;
VACUUM (FULL off, ANALYZE) big;
VACUUM (FULL 0) big;
-- expect
VACUUM (FULL true) big;
-- expect
VACUUM (FULL on, VERBOSE) big;
