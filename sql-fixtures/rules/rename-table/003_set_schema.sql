CREATE SCHEMA billing;
-- Moving a table or view to another schema renames it for code that qualifies the old schema
-- or does not have the new one in its search_path.
-- expect
ALTER TABLE invoices SET SCHEMA billing;
-- expect
ALTER VIEW invoice_ids SET SCHEMA billing;
-- A sequence (moved by ALTER TABLE too), a table made here, one that may not exist, or a move to
-- the schema it is already in.
ALTER TABLE invoice_numbers SET SCHEMA billing;
CREATE TABLE drafts2 (id bigint PRIMARY KEY);
ALTER TABLE drafts2 SET SCHEMA billing;
ALTER TABLE IF EXISTS never_created SET SCHEMA billing;
ALTER TABLE billing.invoices SET SCHEMA billing;
