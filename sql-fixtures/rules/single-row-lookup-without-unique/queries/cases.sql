-- name: KeyById :one
SELECT owner FROM api_keys WHERE id = $1;

-- The partial unique index applies: its predicate is a condition of the query.
-- name: LiveKey :one
SELECT owner FROM api_keys WHERE token_hash = $1 AND revoked_at IS NULL;

-- name: AnyKey :one
-- expect
SELECT owner FROM api_keys WHERE token_hash = $1;

-- An expression key.
-- name: KeyByLabel :one
SELECT id FROM api_keys WHERE owner = $1 AND lower(label) = lower($2);

-- expect
SELECT id FROM api_keys WHERE owner = $1 LIMIT 1;

-- name: CountKeys :one
SELECT count(*) FROM api_keys WHERE owner = $1;

-- name: list_keys
SELECT id FROM api_keys WHERE owner = $1;
