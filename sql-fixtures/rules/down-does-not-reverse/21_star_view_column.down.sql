-- `m.*` was expanded when the view was re-created: the view still has `score`.
-- expect
ALTER TABLE moods DROP COLUMN score;
