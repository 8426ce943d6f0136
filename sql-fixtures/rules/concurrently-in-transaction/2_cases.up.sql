BEGIN;
-- expect
CREATE INDEX CONCURRENTLY logs_level_idx ON logs (level);
-- expect
DROP INDEX CONCURRENTLY logs_msg_idx;
COMMIT;
-- After the file's COMMIT the rest of the message sqlx sends is a new implicit transaction:
-- refused too (checked with psql: one message `BEGIN; ...; COMMIT; CREATE INDEX CONCURRENTLY ...`).
-- expect
CREATE INDEX CONCURRENTLY logs_level_msg_idx ON logs (level, msg);
