-- `LIKE ... INCLUDING ALL` (or INDEXES) copies the primary key.
CREATE TABLE tags_archive (LIKE tags INCLUDING ALL);
CREATE TABLE tags_backup (LIKE tags INCLUDING INDEXES);
-- Without it, only the columns are copied.
-- expect
CREATE TABLE tags_names (LIKE tags);
-- A table copied from one the replay does not know may have a key: no guess.
CREATE TABLE others_copy (LIKE somewhere_else.others INCLUDING ALL);
-- A temporary table made from a query is gone with the session.
CREATE TEMP TABLE tag_counts AS SELECT name FROM tags;
-- A permanent one has no key.
-- expect
CREATE TABLE tag_snapshot AS SELECT name FROM tags;
