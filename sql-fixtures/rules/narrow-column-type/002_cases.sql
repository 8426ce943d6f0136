-- char(36) to varchar(40): every value fits (a rewrite, not a narrowing).
ALTER TABLE devices ALTER COLUMN uuid TYPE varchar(40);
-- expect
ALTER TABLE devices ALTER COLUMN name TYPE varchar(50);
-- expect
ALTER TABLE devices ALTER COLUMN hits TYPE integer;
-- expect
ALTER TABLE devices ALTER COLUMN note TYPE varchar(10);
ALTER TABLE devices ALTER COLUMN name TYPE text;
