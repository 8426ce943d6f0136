-- Put back at the end of the table: only the column order differs.
ALTER TABLE moods ADD COLUMN note text;
