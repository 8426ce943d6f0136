CREATE INDEX logs_id_msg_idx ON logs (id, msg);
