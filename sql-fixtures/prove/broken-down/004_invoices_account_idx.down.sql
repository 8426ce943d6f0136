DROP INDEX invoices_account_idx;
