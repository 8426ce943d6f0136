CREATE INDEX invoices_customer_idx ON billing.invoices (customer_id);
