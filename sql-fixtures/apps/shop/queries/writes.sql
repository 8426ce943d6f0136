-- Unnamed statements with JDBC-style ? placeholders.

-- expect: insert-omits-required-column
INSERT INTO orders (customer_id) VALUES (?);

INSERT INTO orders (customer_id, status) VALUES (?, ?) RETURNING id, placed_at;

-- expect: on-conflict-without-unique
INSERT INTO carts (id, customer_id, product_id, quantity) VALUES (?, ?, ?, ?)
ON CONFLICT (product_id) DO NOTHING;

INSERT INTO carts (id, customer_id, product_id, quantity) VALUES (?, ?, ?, ?)
ON CONFLICT (product_id, customer_id) DO UPDATE SET quantity = carts.quantity + excluded.quantity;

-- expect: query-references-missing-object
UPDATE customers SET nickname = ? WHERE id = ?;

-- expect: not-in-nullable-subquery
DELETE FROM coupons WHERE code NOT IN (SELECT coupon_code FROM orders);

DELETE FROM coupons WHERE NOT EXISTS (SELECT 1 FROM orders o WHERE o.coupon_code = coupons.code);

-- expect: query-references-missing-object
SELECT id FROM invoices WHERE id = ?;

-- expect: query-references-missing-object
SELECT slugify(name) FROM customers WHERE id = ?;

-- The same statement as above with other whitespace: one query after fingerprinting.
DELETE FROM coupons   WHERE NOT EXISTS (SELECT 1 FROM orders o WHERE o.coupon_code = coupons.code);
