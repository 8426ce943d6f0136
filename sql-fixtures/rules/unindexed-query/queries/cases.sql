-- Schema-qualified, quoted column, an index built concurrently: served.
SELECT id FROM app.events WHERE "Kind" = $1;

-- expect
SELECT id FROM app.events WHERE payload->>'type' = $1;

-- A range on the second column of a multicolumn index, with the first fixed: served.
SELECT id FROM app.events WHERE account_id = $1 AND created_at > $2;

-- expect
SELECT id FROM app.events WHERE created_at > $1;

-- The partial index applies when its predicate is in the query.
SELECT id FROM app.events WHERE processed_at IS NULL AND created_at < $1;

-- In a CTE, against an alias.
-- expect
WITH recent AS (SELECT e.id FROM app.events e WHERE e.processed_at > $1)
SELECT id FROM recent;

-- In a subquery.
-- expect
SELECT a.id FROM app.accounts a WHERE a.id IN (SELECT e.account_id FROM app.events e WHERE e.processed_at > $1);

-- An OR cannot be served by one index lookup; not judged.
SELECT id FROM app.events WHERE account_id = $1 OR processed_at > $2;

-- expect
UPDATE app.accounts SET plan = $1 WHERE email = $2;

-- expect
DELETE FROM app.events WHERE processed_at < $1;

-- Join looked up from a single account: events.account_id leads an index.
SELECT e.id FROM app.accounts a JOIN app.events e ON e.account_id = a.id WHERE a.id = $1;

-- Whole-table join, no restriction: a hash join, not judged.
SELECT e.id, a.email FROM app.events e JOIN app.accounts a ON a.id = e.account_id;
