-- Truncated earlier in the same transaction: the table is empty and already locked ACCESS
-- EXCLUSIVE by the TRUNCATE, so the index build takes no time.
BEGIN;
TRUNCATE visits;
ALTER TABLE visits ADD CONSTRAINT visits_page_day_key UNIQUE (page, day);
COMMIT;
-- Emptied by DELETE: the dead rows are still read by the build, under ACCESS EXCLUSIVE.
BEGIN;
DELETE FROM clicks;
-- expect
ALTER TABLE clicks ADD CONSTRAINT clicks_target_key UNIQUE (target);
COMMIT;
-- Truncated in a transaction that has ended: rows may be back.
TRUNCATE visits;
-- expect
ALTER TABLE visits ADD CONSTRAINT visits_page_key UNIQUE (page);
