ALTER TABLE moods ADD COLUMN note text;
