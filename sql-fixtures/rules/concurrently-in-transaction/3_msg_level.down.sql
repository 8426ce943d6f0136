-- The runner wraps this down file (no marker of its own): rolling back fails.
-- expect
DROP INDEX CONCURRENTLY logs_msg_level_idx;
