-- no-transaction
-- Alone in a file that runs without the transaction: fine.
DROP INDEX CONCURRENTLY logs_id_level_idx;
