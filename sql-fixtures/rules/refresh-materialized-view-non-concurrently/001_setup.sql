CREATE TABLE sales (region text, amount numeric);
CREATE MATERIALIZED VIEW "Totals" AS SELECT region, sum(amount) AS total FROM sales GROUP BY region;
