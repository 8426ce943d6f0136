-- Whole-row references, set-operation output names, partial unique indexes, unreplayed tables.

-- name: RefillValue :one
SELECT refill_value(rl) FROM refills rl WHERE rl.id = @id;

-- name: RefillJson :one
SELECT row_to_json(rl.*) FROM refills rl WHERE rl.id = @id;

-- name: AccountAndRefillIds :many
SELECT id FROM accounts WHERE id = @account_id
UNION ALL
SELECT id FROM refills WHERE account_id = @account_id
ORDER BY id;

-- The conflict target's WHERE implies the partial index's predicate.
-- name: UpsertRefill :exec
INSERT INTO refills (account_id, amount, dedupe_key) VALUES (@account_id, @amount, @dedupe_key)
ON CONFLICT (dedupe_key) WHERE dedupe_key IS NOT NULL AND amount > 0 DO NOTHING;

-- Only part of the predicate: no arbiter index, PostgreSQL rejects it.
-- name: UpsertRefillLoose :exec
-- expect: on-conflict-without-unique
INSERT INTO refills (account_id, amount, dedupe_key) VALUES (@account_id, @amount, @dedupe_key)
ON CONFLICT (dedupe_key) WHERE dedupe_key IS NOT NULL DO NOTHING;

-- The DO block rebuilt app_migrations with a `line` column: pgproof cannot tell, so it is quiet.
-- name: MigrationsByLine :many
SELECT version FROM app_migrations WHERE line = @line AND version = @version;

-- A subquery with no relation of its own names a column nothing has.
-- name: BrokenSubquery :one
-- expect: query-references-missing-object
SELECT (SELECT nothing_here) AS x FROM accounts WHERE id = @id;
