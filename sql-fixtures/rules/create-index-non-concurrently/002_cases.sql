-- Quoted, mixed-case names of an existing table.
-- expect
CREATE INDEX "Orders_CustomerId_idx" ON "Orders" ("CustomerId");
-- Schema-qualified, IF NOT EXISTS still builds under SHARE.
-- expect
CREATE INDEX IF NOT EXISTS invoices_total_idx ON billing.invoices (total);
-- The safe form.
CREATE INDEX CONCURRENTLY invoices_id_total_idx ON billing.invoices (id, total);
-- Partitioned parent: ON ONLY is the first step of the safe recipe.
CREATE INDEX events_kind_idx ON ONLY events (kind);
-- Partitioned parent without ONLY builds on every partition.
-- expect
CREATE INDEX events_at_idx ON events (at);
-- A table created in this migration is empty: no warning.
CREATE TABLE "Refunds" (id bigint PRIMARY KEY, order_id bigint);
CREATE INDEX "Refunds_order_id_idx" ON "Refunds" (order_id);
CREATE TEMPORARY TABLE scratch (x int);
CREATE INDEX scratch_x_idx ON scratch (x);
