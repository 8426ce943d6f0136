-- CTEs are visible in every later CTE body, data-modifying ones included.

-- name: BumpAccountRefills :many
WITH picked AS (
    SELECT id FROM refills WHERE account_id = @account_id
),
bumped AS (
    UPDATE refills SET amount = amount + 1
    FROM picked
    WHERE refills.id = picked.id
    RETURNING refills.id
)
SELECT id FROM bumped;

-- name: RefillByEmail :one
WITH source AS (
    SELECT id FROM accounts WHERE email = @email
),
inserted AS (
    INSERT INTO refills (account_id, amount)
    SELECT source.id, @amount FROM source
    RETURNING id
)
SELECT id FROM inserted;

-- name: DeletePicked :exec
WITH gone AS (
    SELECT id FROM refills WHERE account_id = @account_id
)
DELETE FROM refills USING gone WHERE refills.id = gone.id;

-- A writing CTE sees the CTEs before it, and a later one sees the writing one.
-- name: MoveRefills :many
WITH target AS (
    SELECT id FROM accounts WHERE email = @email
),
moved AS (
    UPDATE refills SET account_id = target.id
    FROM target
    WHERE refills.account_id = @old_account_id
    RETURNING refills.id
),
counted AS (
    SELECT count(*) AS total FROM moved
)
SELECT total FROM counted;

-- name: InsertFromCte :exec
WITH wanted (account, value) AS (
    SELECT id, 10 FROM accounts WHERE email = @email
)
INSERT INTO refills (account_id, amount) SELECT account, value FROM wanted;

-- name: Countdown :many
WITH RECURSIVE steps (n) AS (
    SELECT 1
    UNION ALL
    SELECT n + 1 FROM steps WHERE n < 10
)
SELECT n FROM steps;

-- A stray statement that names the previous statement's CTE: PostgreSQL rejects it too.
-- expect: query-references-missing-object
SELECT id FROM picked;

-- A misspelled column inside a data-modifying CTE is still reported.
-- name: BrokenBump :many
-- expect: query-references-missing-object
WITH bumped AS (
    UPDATE refills SET amout = 1 WHERE id = @id RETURNING id
)
SELECT id FROM bumped;
