ALTER TABLE accounts DROP COLUMN region_id;
