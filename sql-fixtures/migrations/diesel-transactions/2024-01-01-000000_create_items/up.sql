CREATE TABLE items (id bigint PRIMARY KEY, sku text NOT NULL, qty int NOT NULL DEFAULT 0);
