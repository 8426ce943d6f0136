-- Deliberately incomplete: the default of placed_at is not restored.
ALTER TABLE orders DROP COLUMN total;
