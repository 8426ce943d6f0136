-- A small shop schema written for pgproof's round-trip tests: every kind of object the catalog
-- models, loaded into a real PostgreSQL and replayed, and the two catalogs compared.
CREATE SCHEMA billing;
CREATE TYPE order_state AS ENUM ('new', 'paid', 'shipped');
CREATE DOMAIN positive_amount AS numeric(12,2) CHECK (VALUE >= 0);

CREATE TABLE customers (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    email text NOT NULL,
    name varchar(200),
    created_at timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT customers_email_key UNIQUE (email)
);
CREATE TABLE products (
    id serial PRIMARY KEY,
    sku text NOT NULL,
    price positive_amount NOT NULL,
    tags text[],
    attributes jsonb
);
CREATE UNIQUE INDEX products_sku_key ON products (sku);
CREATE TABLE orders (
    id bigint PRIMARY KEY,
    customer_id bigint NOT NULL REFERENCES customers (id) ON DELETE CASCADE,
    state order_state NOT NULL DEFAULT 'new',
    total numeric(12,2),
    placed_at timestamptz,
    CONSTRAINT orders_total_check CHECK (total >= 0)
);
CREATE INDEX orders_customer_placed_idx ON orders (customer_id, placed_at DESC);
CREATE INDEX orders_open_idx ON orders (placed_at) WHERE state <> 'shipped';
CREATE INDEX customers_lower_email_idx ON customers (lower(email));
CREATE TABLE order_lines (
    order_id bigint NOT NULL,
    line_no integer NOT NULL,
    product_id integer NOT NULL,
    quantity integer NOT NULL DEFAULT 1,
    PRIMARY KEY (order_id, line_no)
);
ALTER TABLE order_lines ADD CONSTRAINT order_lines_order_id_fkey FOREIGN KEY (order_id) REFERENCES orders (id);
ALTER TABLE order_lines ADD CONSTRAINT order_lines_quantity_check CHECK (quantity > 0) NOT VALID;
CREATE TABLE billing.invoices (
    id bigint PRIMARY KEY,
    order_id bigint NOT NULL,
    amount numeric(12,2) NOT NULL
) PARTITION BY RANGE (id);
CREATE TABLE billing.invoices_1 PARTITION OF billing.invoices FOR VALUES FROM (0) TO (1000000);
CREATE UNLOGGED TABLE import_rows (line text);
CREATE SEQUENCE billing.invoice_numbers;
CREATE VIEW customer_orders AS
    SELECT c.email, o.id AS order_id, o.total FROM customers c JOIN orders o ON o.customer_id = c.id;
CREATE MATERIALIZED VIEW daily_totals AS
    SELECT placed_at::date AS day, sum(total) AS total FROM orders GROUP BY 1;
CREATE FUNCTION touch_placed_at() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    NEW.placed_at := coalesce(NEW.placed_at, now());
    RETURN NEW;
END $$;
CREATE TRIGGER orders_touch BEFORE INSERT ON orders FOR EACH ROW EXECUTE FUNCTION touch_placed_at();
CREATE FUNCTION billing.order_total(bigint) RETURNS numeric LANGUAGE sql STABLE SECURITY DEFINER
    SET search_path = billing, public AS $$ SELECT total FROM public.orders WHERE id = $1 $$;
ALTER TABLE orders ENABLE ROW LEVEL SECURITY;
CREATE POLICY orders_own ON orders USING (true);
