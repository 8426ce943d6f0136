ALTER TABLE billing.invoices ADD COLUMN due_at date;
