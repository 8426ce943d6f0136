SET lock_timeout = '5s';
ALTER TABLE orders ADD COLUMN total numeric NOT NULL DEFAULT 0;
ALTER TABLE orders ALTER COLUMN placed_at SET DEFAULT clock_timestamp();
