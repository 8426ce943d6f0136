-- no-transaction
ALTER TABLE a ADD COLUMN g text;
-- expect
SAVEPOINT before_h;
ALTER TABLE a ADD COLUMN h text;
