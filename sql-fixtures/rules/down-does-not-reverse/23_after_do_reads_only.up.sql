ALTER TABLE moods ADD COLUMN level int;
