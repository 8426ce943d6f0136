-- no-transaction
BEGIN;
ALTER TABLE a ADD COLUMN c text;
COMMIT;
