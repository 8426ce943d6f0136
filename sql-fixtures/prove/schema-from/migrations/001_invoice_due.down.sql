ALTER TABLE billing.invoices DROP COLUMN due_at;
