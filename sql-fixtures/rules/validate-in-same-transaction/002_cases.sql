BEGIN;
ALTER TABLE payments ADD CONSTRAINT payments_amount_check CHECK (amount > 0) NOT VALID;
-- expect
ALTER TABLE payments VALIDATE CONSTRAINT payments_amount_check;
COMMIT;
ALTER TABLE payments ADD CONSTRAINT payments_payer_fkey FOREIGN KEY (payer_id) REFERENCES payers (id) NOT VALID;
-- Autocommit: the NOT VALID add has committed.
ALTER TABLE payments VALIDATE CONSTRAINT payments_payer_fkey;
