-- expect
VACUUM (FULL, ANALYZE) big;
VACUUM (ANALYZE) big;
-- expect
ALTER TABLE big SET TABLESPACE pg_default;
CREATE TABLE fresh (id bigint PRIMARY KEY);
VACUUM FULL fresh;
