-- expect
ALTER TABLE "Customer" RENAME TO customers;
-- expect
ALTER VIEW customer_names RENAME TO customer_ids;
ALTER TABLE IF EXISTS never_created RENAME TO still_never;
CREATE TABLE draft (id bigint PRIMARY KEY);
ALTER TABLE draft RENAME TO drafts;
