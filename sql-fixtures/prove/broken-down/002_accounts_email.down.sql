-- Broken: names a column that does not exist, so the server refuses the down part.
ALTER TABLE accounts DROP COLUMN mail;
