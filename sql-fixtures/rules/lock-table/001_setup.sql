CREATE TABLE inventory (sku text PRIMARY KEY, qty int);
