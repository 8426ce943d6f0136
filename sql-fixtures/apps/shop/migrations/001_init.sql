CREATE TABLE customers (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  email text NOT NULL,
  name text NOT NULL,
  org_id bigint NOT NULL,
  login text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  deleted_at timestamptz
);
CREATE UNIQUE INDEX customers_org_login_key ON customers (org_id, login);
CREATE INDEX customers_lower_email_idx ON customers (lower(email));
CREATE INDEX customers_name_pattern_idx ON customers (name text_pattern_ops);
CREATE INDEX customers_created_at_idx ON customers (created_at);

CREATE TABLE products (
  id bigint PRIMARY KEY,
  sku text NOT NULL UNIQUE,
  title text NOT NULL,
  price_cents integer NOT NULL,
  archived_at timestamptz
);
CREATE INDEX products_live_title_idx ON products (title) WHERE archived_at IS NULL;

CREATE TABLE orders (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  customer_id bigint NOT NULL REFERENCES customers (id),
  status text NOT NULL,
  placed_at timestamptz NOT NULL DEFAULT now(),
  coupon_code text
);
CREATE INDEX orders_customer_placed_idx ON orders (customer_id, placed_at);

CREATE TABLE order_lines (
  order_id bigint NOT NULL REFERENCES orders (id),
  product_id bigint NOT NULL REFERENCES products (id),
  quantity integer NOT NULL,
  PRIMARY KEY (order_id, product_id)
);
CREATE INDEX order_lines_product_idx ON order_lines (product_id);

CREATE TABLE carts (
  id bigint PRIMARY KEY,
  customer_id bigint NOT NULL REFERENCES customers (id),
  product_id bigint NOT NULL REFERENCES products (id),
  quantity integer NOT NULL,
  UNIQUE (customer_id, product_id)
);
CREATE INDEX carts_product_idx ON carts (product_id);

CREATE TABLE coupons (code text PRIMARY KEY, percent integer NOT NULL);
