-- The file's own COMMIT ends sqlx's transaction, but the rest of the message it sends is a new
-- implicit one: refused there too.
COMMIT;
-- expect
DROP INDEX CONCURRENTLY logs_level_id_idx;
BEGIN;
