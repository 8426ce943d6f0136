CREATE TABLE logs (id bigint PRIMARY KEY, level text, msg text);
CREATE INDEX logs_msg_idx ON logs (msg);
