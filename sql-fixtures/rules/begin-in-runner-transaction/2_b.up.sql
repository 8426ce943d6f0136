-- expect
BEGIN;
ALTER TABLE a ADD COLUMN b text;
-- expect
COMMIT;
