DROP INDEX billing.invoices_customer_idx;
