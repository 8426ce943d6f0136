CREATE TABLE "Customer" (id bigint PRIMARY KEY);
CREATE VIEW customer_names AS SELECT id FROM "Customer";
CREATE TABLE invoices (id bigint PRIMARY KEY);
CREATE VIEW invoice_ids AS SELECT id FROM invoices;
CREATE SEQUENCE invoice_numbers;
