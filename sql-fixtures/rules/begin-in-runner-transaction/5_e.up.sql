-- no-transaction
-- A file with a syntax error may hide a `BEGIN` or `COMMIT`: pgproof cannot tell.
BEGIN;
SELECT 1 \gset
BEGIN;
COMMIT;
COMMIT;
