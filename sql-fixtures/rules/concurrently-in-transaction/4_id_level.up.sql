-- no-transaction
CREATE INDEX CONCURRENTLY logs_id_level_idx ON logs (id, level);
