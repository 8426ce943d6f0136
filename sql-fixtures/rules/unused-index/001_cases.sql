-- Replayed migrations carry no scan statistics: the rule must stay silent on all of these.
CREATE TABLE items (id bigint PRIMARY KEY, sku text, owner_id bigint);
CREATE INDEX items_sku_idx ON items (sku);
CREATE UNIQUE INDEX items_owner_sku ON items (owner_id, sku);
