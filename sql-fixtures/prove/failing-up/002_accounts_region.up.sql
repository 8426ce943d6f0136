-- Fails on the server: the referenced table was never created.
ALTER TABLE accounts ADD COLUMN region_id bigint REFERENCES regions (id);
