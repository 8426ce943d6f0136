BEGIN;
ALTER TABLE products ADD COLUMN cents bigint;
-- expect
UPDATE products SET cents = price * 100 WHERE cents IS NULL;
-- Another table: its own rules apply, not this one.
INSERT INTO prices SELECT id, cents FROM products;
COMMIT;
-- After the commit the lock is gone.
UPDATE products SET cents = 0 WHERE cents IS NULL;
