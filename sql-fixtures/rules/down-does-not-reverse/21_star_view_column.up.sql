ALTER TABLE moods ADD COLUMN score int;
CREATE OR REPLACE VIEW mood_view AS SELECT m.* FROM moods m;
