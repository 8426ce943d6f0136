CREATE VIEW mood_view AS SELECT m.* FROM moods m;
