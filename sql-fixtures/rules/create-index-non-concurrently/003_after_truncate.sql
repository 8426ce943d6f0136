-- Truncated earlier in the same transaction: the table is empty and already locked ACCESS
-- EXCLUSIVE by the TRUNCATE, so the index build takes no time.
BEGIN;
TRUNCATE audit_log;
CREATE INDEX audit_log_actor_idx ON audit_log (actor);
COMMIT;
-- Refilled after the TRUNCATE: the build reads the rows again.
BEGIN;
TRUNCATE audit_log;
INSERT INTO audit_log (id, actor) SELECT g, 'a' FROM generate_series(1, 10) g;
-- expect
CREATE INDEX audit_log_at_idx ON audit_log (at);
COMMIT;
