-- Forgets the index, and puts the column back as varchar.
ALTER TABLE accounts DROP COLUMN plan;
ALTER TABLE accounts ADD COLUMN plan varchar(20);
