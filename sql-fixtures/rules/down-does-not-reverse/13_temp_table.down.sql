-- A temporary table is not schema: nothing to undo.
SELECT 1;
