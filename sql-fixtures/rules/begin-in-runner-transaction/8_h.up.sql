-- no-transaction
-- Inside the file's own transaction a savepoint is fine.
BEGIN;
SAVEPOINT before_i;
ALTER TABLE a ADD COLUMN i text;
RELEASE SAVEPOINT before_i;
COMMIT;
