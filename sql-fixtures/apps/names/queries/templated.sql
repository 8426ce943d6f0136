-- goyesql style: names without annotations, :name parameters, and %placeholders% the
-- application replaces before running a query. The last query but one has no semicolon: the
-- next `-- name:` starts a new query.

-- name: list-accounts
-- expect: query-not-checked
SELECT id, email FROM accounts WHERE id = ANY(:ids::bigint[]) ORDER BY %order%;

-- name: count-refills
-- expect: query-not-checked
SELECT count(*) FROM refills WHERE %query% AND amout > 0;

-- A placeholder where no expression can stand: not checked even with query_placeholders.
-- name: from-template
-- expect: query-not-checked
SELECT id FROM %table% WHERE id = :id;

-- name: refills-for-account
SELECT id, amount FROM refills WHERE account_id = :account_id

-- name: refill-by-id
SELECT id, amount FROM refills WHERE id = :id;

-- Percent signs inside a literal are no placeholder: the LIKE keeps its leading wildcard.
-- name: search-accounts
-- expect: query-not-checked
SELECT id FROM accounts WHERE email LIKE '%example%' ORDER BY %order%;
