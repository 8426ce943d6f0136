-- New tables never need it.
CREATE TABLE c (id bigint PRIMARY KEY);
ALTER TABLE c ADD COLUMN z text;
-- The first dangerous lock of the migration is reported once.
-- expect
ALTER TABLE a ADD COLUMN w text;
ALTER TABLE b ADD COLUMN v text;
