-- A new column declared `UNIQUE` (or with a named unique constraint) builds its unique index
-- while `coupons` is locked `ACCESS EXCLUSIVE`.
-- expect
ALTER TABLE coupons ADD COLUMN code text UNIQUE;
-- expect
ALTER TABLE coupons ADD COLUMN serial_no bigint NOT NULL DEFAULT 0 CONSTRAINT coupons_serial_no_key UNIQUE;
-- A table created in this migration has no readers to block.
CREATE TABLE vouchers (id bigint PRIMARY KEY);
ALTER TABLE vouchers ADD COLUMN code text UNIQUE;
