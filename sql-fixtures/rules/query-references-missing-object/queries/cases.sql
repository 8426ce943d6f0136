SELECT i.id, i."Total", billing.tax(i."Total") FROM billing.invoices i WHERE i.id = $1;

-- expect
SELECT id, total FROM billing.invoices;

-- expect
SELECT id FROM invoices;

SELECT id, "Total" FROM billing.open_invoices;

-- expect
SELECT customer_name FROM billing.open_invoices;

-- CTE columns and output aliases are not checked against tables.
WITH t AS (SELECT id AS invoice_id FROM billing.invoices) SELECT invoice_id FROM t ORDER BY invoice_id;
SELECT id AS n FROM billing.invoices ORDER BY n;

-- Correlated reference to the outer query.
SELECT id FROM billing.invoices i WHERE EXISTS (SELECT 1 FROM billing.invoices j WHERE j.id = i.id);

-- System columns, built-ins, pg_catalog.
SELECT ctid, xmin, now(), coalesce(customer, 'x'), pg_catalog.upper(customer) FROM billing.invoices;
SELECT relname FROM pg_class;

-- expect
SELECT billing.discount(id) FROM billing.invoices;

-- expect
INSERT INTO billing.invoices (id, "Total", note) VALUES ($1, $2, $3);
