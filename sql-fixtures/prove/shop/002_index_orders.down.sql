DROP INDEX orders_customer_idx;
