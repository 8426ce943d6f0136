CREATE INDEX invoices_account_idx ON invoices (account_id);
