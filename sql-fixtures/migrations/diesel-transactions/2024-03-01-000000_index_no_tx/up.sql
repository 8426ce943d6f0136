CREATE INDEX CONCURRENTLY items_qty_idx ON items (qty);
