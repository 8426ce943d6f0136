-- yesql / aiosql style: `-- name:` without annotations, :name parameters.

-- The multicolumn index serves a lookup by its leading column.
-- name: orders-for-customer
SELECT o.id, o.status FROM orders o WHERE o.customer_id = :customer_id ORDER BY o.placed_at DESC;

-- name: orders-by-status
-- expect: unindexed-query
SELECT id FROM orders WHERE status = :status AND placed_at > :since;

-- name: recent-orders-by-status
-- expect: unindexed-query
SELECT id, placed_at FROM orders WHERE status = :status ORDER BY placed_at DESC LIMIT 20;

-- The primary key (order_id, product_id) serves the join through its leading column.
-- name: order-with-lines
SELECT o.id, l.product_id, l.quantity
FROM orders o JOIN order_lines l ON l.order_id = o.id
WHERE o.id = :order_id;

-- name: order-shipments
-- expect: unindexed-query
SELECT s.id, s.carrier FROM orders o JOIN shipments s ON s.parcel_of = o.id WHERE o.id = :order_id;

-- The partial index applies: its predicate is one of the conditions.
-- name: live-products-by-title
SELECT id FROM products WHERE title = :title AND archived_at IS NULL;

-- name: products-by-title
-- expect: unindexed-query
SELECT id FROM products WHERE title = :title;

-- name: get-product-by-sku^
SELECT id, title FROM products WHERE sku = :sku;

-- name: customers-without-orders
SELECT c.id FROM customers c WHERE NOT EXISTS (SELECT 1 FROM orders o WHERE o.customer_id = c.id);
