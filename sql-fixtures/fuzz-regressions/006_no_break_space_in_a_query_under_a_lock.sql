CREATE TABLE posts (id bigint PRIMARY KEY);
BEGIN;
ALTER TABLE posts ADD COLUMN x int;
-- A no-break space between FROM and the table: the lock rule read it as an endless run of empty words.
SELECT id FROM posts;
COMMIT;
