-- `IF NOT EXISTS` of a column the table has does nothing: no rewrite.
ALTER TABLE docs ADD COLUMN IF NOT EXISTS rank int DEFAULT (random() * 10)::int;
-- A column it does not have is added, and rewrites.
-- expect
ALTER TABLE docs ADD COLUMN IF NOT EXISTS score int DEFAULT (random() * 10)::int;
