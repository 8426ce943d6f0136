-- expect
ALTER TABLE a ADD COLUMN c text;
