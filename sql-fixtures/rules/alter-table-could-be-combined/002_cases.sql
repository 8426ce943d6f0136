ALTER TABLE items ADD COLUMN c text;
-- expect
ALTER TABLE items ADD COLUMN d text;
-- Reported once per run.
ALTER TABLE items ADD COLUMN e text;
SELECT 1;
ALTER TABLE items ALTER COLUMN a SET DEFAULT '';
-- expect
ALTER TABLE items ALTER COLUMN b SET DEFAULT '';
-- Drops must stay separate.
ALTER TABLE items DROP CONSTRAINT IF EXISTS items_a_check;
ALTER TABLE items ADD COLUMN f text;
