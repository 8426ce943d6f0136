-- expect
ALTER TABLE posts ALTER COLUMN state DROP DEFAULT;
-- No default to drop.
ALTER TABLE posts ALTER COLUMN views DROP DEFAULT;
-- SET DEFAULT NULL drops it too.
-- expect
ALTER TABLE posts ALTER COLUMN lang SET DEFAULT NULL;
