CREATE SCHEMA billing;
CREATE TABLE billing."Invoices" (id bigint PRIMARY KEY, "Total" numeric);
