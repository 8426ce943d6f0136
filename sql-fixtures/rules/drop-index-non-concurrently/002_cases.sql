-- expect
DROP INDEX app."Users_email_idx";
-- IF EXISTS of an index the history never created: nothing to lock.
DROP INDEX IF EXISTS never_created_idx;
-- IF EXISTS of a real index still locks.
-- expect
DROP INDEX IF EXISTS posts_title_idx;
-- Index created in this migration.
CREATE TABLE drafts (id bigint PRIMARY KEY, body text);
CREATE INDEX drafts_body_idx ON drafts (body);
DROP INDEX drafts_body_idx;
