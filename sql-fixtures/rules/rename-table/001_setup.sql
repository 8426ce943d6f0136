CREATE TABLE "Customer" (id bigint PRIMARY KEY);
CREATE VIEW customer_names AS SELECT id FROM "Customer";
