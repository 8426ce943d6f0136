BEGIN;
-- expect
CREATE INDEX CONCURRENTLY logs_level_idx ON logs (level);
-- expect
DROP INDEX CONCURRENTLY logs_msg_idx;
COMMIT;
-- Outside the transaction: fine.
CREATE INDEX CONCURRENTLY logs_level_msg_idx ON logs (level, msg);
