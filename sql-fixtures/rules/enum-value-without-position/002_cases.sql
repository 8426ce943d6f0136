-- expect
ALTER TYPE app."State" ADD VALUE 'archived';
ALTER TYPE app."State" ADD VALUE IF NOT EXISTS 'doing' BEFORE 'done';
-- An enum created in the same history but unknown here: nothing to compare.
ALTER TYPE app.unknown_enum ADD VALUE 'x';
