-- expect
ALTER TABLE orders ALTER COLUMN address DROP NOT NULL;
-- Already nullable.
ALTER TABLE orders ALTER COLUMN note DROP NOT NULL;
