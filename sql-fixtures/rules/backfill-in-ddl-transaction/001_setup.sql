CREATE TABLE products (id bigint PRIMARY KEY, price numeric);
CREATE TABLE prices (product_id bigint, cents bigint);
