CREATE TEMP TABLE mood_names (name text);
INSERT INTO mood_names SELECT name FROM moods;
