ALTER TABLE docs ADD COLUMN rank int;
