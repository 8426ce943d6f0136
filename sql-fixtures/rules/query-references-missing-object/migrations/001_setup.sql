CREATE SCHEMA billing;
CREATE TABLE billing.invoices (id bigint PRIMARY KEY, "Total" numeric NOT NULL, customer text);
CREATE VIEW billing.open_invoices AS SELECT id, "Total" FROM billing.invoices;
CREATE FUNCTION billing.tax(numeric) RETURNS numeric LANGUAGE sql IMMUTABLE AS $$ SELECT $1 * 0.2 $$;
