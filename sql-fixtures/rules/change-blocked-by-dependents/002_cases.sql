-- `id` is read by the view, but it may be versions.id: no guess.
ALTER TABLE version_downloads DROP COLUMN id;
-- expect
ALTER TABLE versions ALTER COLUMN num TYPE varchar(20);
-- expect
DROP TABLE versions;
-- Dropping the dependents first makes it work.
DROP VIEW version_numbers;
ALTER TABLE versions ALTER COLUMN num TYPE varchar(20);
-- CASCADE is drop-cascade's business.
ALTER TABLE versions DROP COLUMN crate_id CASCADE;
