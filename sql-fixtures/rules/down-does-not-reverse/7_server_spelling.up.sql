ALTER TABLE moods ALTER COLUMN name DROP DEFAULT;
ALTER TABLE moods DROP CONSTRAINT moods_name_check;
DROP INDEX moods_lower_name_idx;
DROP INDEX moods_day_idx;
