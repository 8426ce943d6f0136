-- Binary-coercible: silent.
ALTER TABLE shop."Items" ALTER COLUMN "Name" TYPE varchar(80);
ALTER TABLE shop."Items" ALTER COLUMN "Name" TYPE text;
ALTER TABLE shop."Items" ALTER COLUMN price TYPE numeric(10,2);
-- expect
ALTER TABLE shop."Items" ALTER COLUMN id TYPE bigint;
-- expect
ALTER TABLE shop."Items" ALTER COLUMN created TYPE timestamptz;
-- A USING expression always rewrites.
-- expect
ALTER TABLE shop."Items" ALTER COLUMN code TYPE text USING trim(code);
-- A table created in this migration is empty.
CREATE TABLE shop.tmp (v integer);
ALTER TABLE shop.tmp ALTER COLUMN v TYPE bigint;
