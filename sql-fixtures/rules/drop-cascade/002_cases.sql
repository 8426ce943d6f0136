-- Nothing depends on it: CASCADE takes nothing along.
DROP TABLE lonely CASCADE;
-- expect
ALTER TABLE users DROP COLUMN email CASCADE;
-- expect
DROP TABLE users CASCADE;
