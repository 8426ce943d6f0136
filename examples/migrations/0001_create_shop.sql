CREATE TABLE customers (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    email text NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE orders (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    customer_id bigint NOT NULL REFERENCES customers (id),
    status text NOT NULL DEFAULT 'new',
    total numeric(12, 2)
);

-- An index right after CREATE TABLE: the table is new and empty, so no CONCURRENTLY needed.
CREATE INDEX orders_status_idx ON orders (status);
