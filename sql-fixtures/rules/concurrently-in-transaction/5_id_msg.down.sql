-- no-transaction
-- Beside another statement, the file is one implicit transaction.
-- expect
DROP INDEX CONCURRENTLY logs_id_msg_idx;
SELECT 1;
