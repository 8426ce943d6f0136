-- A temporary table made from a query is not schema either: it goes with the session.
CREATE TEMP TABLE saved_notes AS SELECT note FROM moods;
ALTER TABLE moods DROP COLUMN note;
