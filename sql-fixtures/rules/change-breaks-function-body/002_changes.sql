-- Each `-- probe` statement works before the change and fails after it (tests/function_body_live.rs).

-- The trigger function assigns NEW.touched_at: every UPDATE of item fails after the rename.
-- expect
-- probe: UPDATE item SET title = 'renamed' WHERE id = 1
ALTER TABLE item RENAME COLUMN touched_at TO updated_at;

-- The trigger function inserts into order_log: every INSERT into orders fails after the drop.
-- expect
-- probe: INSERT INTO orders VALUES (1, 10)
DROP TABLE order_log;

-- The SQL function reads a.plan through its alias.
-- expect
-- probe: SELECT account_plan(1)
ALTER TABLE account DROP COLUMN plan;

-- The PL/pgSQL function reads scratch.
-- expect
-- probe: SELECT scratch_label(1)
ALTER TABLE scratch RENAME TO scratch_old;

-- Dynamic SQL cannot be read: pgproof cannot tell, and stays silent.
DROP TABLE legacy;

-- Columns of the same names on a table no function uses.
ALTER TABLE note DROP COLUMN label;
ALTER TABLE note DROP COLUMN touched_at;
