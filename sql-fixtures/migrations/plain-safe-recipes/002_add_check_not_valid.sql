SET lock_timeout = '5s';
ALTER TABLE invoices ADD CONSTRAINT invoices_amount_positive CHECK (amount > 0) NOT VALID;
ALTER TABLE invoices ADD CONSTRAINT invoices_amount_not_null CHECK (amount IS NOT NULL) NOT VALID;
