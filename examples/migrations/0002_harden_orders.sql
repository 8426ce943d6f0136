-- Runs on a busy production table.
CREATE INDEX orders_total_idx ON orders (total);

ALTER TABLE orders ADD COLUMN public_id uuid DEFAULT gen_random_uuid();

ALTER TABLE orders ALTER COLUMN total SET NOT NULL;

ALTER TABLE orders ADD CONSTRAINT orders_total_positive CHECK (total >= 0);

CREATE TABLE audit_log (at timestamptz NOT NULL, what text);
