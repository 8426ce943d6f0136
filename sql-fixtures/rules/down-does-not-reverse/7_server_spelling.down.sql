-- The same default, check and index in the server's spelling (as `pg_dump` prints them).
ALTER TABLE moods ALTER COLUMN name SET DEFAULT 'calm'::character varying;
ALTER TABLE moods ADD CONSTRAINT moods_name_check CHECK ((char_length((name)::text) > 0));
CREATE INDEX moods_lower_name_idx ON moods (lower((name)::text));
-- `date(day)` on a `date` column is the column itself.
CREATE INDEX moods_day_idx ON moods (day);
