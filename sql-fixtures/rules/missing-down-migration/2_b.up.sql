-- expect
ALTER TABLE a ADD COLUMN b text;
