-- Qualified column references resolve through the view's aliases, even when another table the
-- view reads has a column of the same name.
CREATE TABLE customers (id bigint PRIMARY KEY, name text, region text);
CREATE TABLE products (id bigint PRIMARY KEY, name text, price numeric);
CREATE TABLE orders (id bigint PRIMARY KEY, customer_id bigint, product_id bigint);
CREATE VIEW order_lines AS
  SELECT o.id, c.name AS customer, p.price
  FROM orders o
  JOIN customers c ON c.id = o.customer_id
  JOIN public.products AS p ON p.id = o.product_id;
CREATE SCHEMA app;
CREATE TABLE app.items (id bigint PRIMARY KEY, name text, region text);
CREATE VIEW item_regions AS
  SELECT app.items.name, customers.region FROM app.items JOIN customers ON customers.id = app.items.id;
-- `c.name` is `customers.name`, although `products` has a `name` too.
-- expect
ALTER TABLE customers ALTER COLUMN name TYPE varchar(100);
-- expect
ALTER TABLE customers DROP COLUMN name;
-- No view reads `products.name` (only `p.price`).
ALTER TABLE products ALTER COLUMN name TYPE varchar(100);
-- A schema-qualified table as the qualifier.
-- expect
ALTER TABLE app.items ALTER COLUMN name TYPE varchar(50);
-- A table name as the qualifier; `app.items.region` is not read.
-- expect
ALTER TABLE customers DROP COLUMN region;
ALTER TABLE app.items DROP COLUMN region;
-- A renamed column is still the one the view reads.
ALTER TABLE orders RENAME COLUMN id TO order_id;
-- expect
ALTER TABLE orders DROP COLUMN order_id;
-- Dropping the view first makes it work.
DROP VIEW order_lines;
ALTER TABLE customers ALTER COLUMN name TYPE varchar(100);
