-- no-transaction
CREATE INDEX CONCURRENTLY logs_msg_level_idx ON logs (msg, level);
