-- Without a unique index the concurrent form is impossible: still reported, with the index to create.
-- expect
REFRESH MATERIALIZED VIEW "Totals";
REFRESH MATERIALIZED VIEW CONCURRENTLY "Totals";
CREATE MATERIALIZED VIEW fresh AS SELECT 1 AS x;
REFRESH MATERIALIZED VIEW fresh;
