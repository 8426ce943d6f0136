SET lock_timeout = '5s';
ALTER TABLE invoices VALIDATE CONSTRAINT invoices_amount_positive;
ALTER TABLE invoices VALIDATE CONSTRAINT invoices_amount_not_null;
-- PostgreSQL 12+ skips the scan thanks to the validated check above.
ALTER TABLE invoices ALTER COLUMN amount SET NOT NULL;
ALTER TABLE invoices DROP CONSTRAINT invoices_amount_not_null;
CREATE INDEX CONCURRENTLY invoices_amount_idx ON invoices (amount);
ALTER TABLE accounts ADD COLUMN created_at timestamptz NOT NULL DEFAULT now();
