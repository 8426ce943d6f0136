-- no-transaction
ALTER TABLE a ADD COLUMN f text;
-- expect
COMMIT AND CHAIN;
