SET lock_timeout = '5s';
BEGIN;
ALTER TABLE accounts ADD COLUMN display_name text;
COMMIT;
