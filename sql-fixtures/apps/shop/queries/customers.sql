-- sqlc style: names with result annotations, @arg and sqlc.arg() parameters.

-- name: GetCustomer :one
SELECT id, email, name FROM customers WHERE id = @id;

-- A unique index over both columns: one row, and indexed.
-- name: GetCustomerByLogin :one
SELECT id FROM customers WHERE org_id = sqlc.arg(org_id) AND login = sqlc.arg(login);

-- name: GetCustomerByEmail :one
-- expect: single-row-lookup-without-unique, unindexed-query
SELECT id FROM customers WHERE email = @email;

-- The expression index serves lower(email).
-- name: FindCustomersByEmail :many
SELECT id FROM customers WHERE lower(email) = lower(@email);

-- text_pattern_ops serves a literal prefix.
-- name: SearchCustomersByPrefix :many
SELECT id, name FROM customers WHERE name LIKE 'Ann%';

-- name: SearchCustomers :many
-- expect: leading-wildcard-like
SELECT id, name FROM customers WHERE name ILIKE '%' || @term || '%';

-- name: CustomersCreatedOn :many
-- expect: function-on-indexed-column
SELECT id FROM customers WHERE date(created_at) = @day;

-- name: ListCustomers :many
-- expect: select-star, offset-pagination
SELECT * FROM customers ORDER BY id LIMIT 50 OFFSET @skip;

-- name: CountCustomersInOrg :one
SELECT count(*) FROM customers WHERE org_id = @org_id;

-- name: NewestCustomerByEmail :one
-- expect: unindexed-query
SELECT id FROM customers WHERE email = @email ORDER BY created_at DESC LIMIT 1;
