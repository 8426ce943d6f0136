CREATE INDEX logs_level_id_idx ON logs (level, id);
