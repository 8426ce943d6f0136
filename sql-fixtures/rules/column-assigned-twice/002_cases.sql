-- expect
UPDATE t SET a = 1, a = 2;
-- The multi-column form counts too.
-- expect
UPDATE t SET (a, b) = (1, 2), a = 3 WHERE id = 1;
-- A whole-column assignment and an element assignment clash as well.
-- expect
UPDATE t SET tags = '{}', tags[1] = 'x' WHERE id = 1;
-- Different elements of one array column may be set in one statement.
UPDATE t SET tags[1] = 'x', tags[2] = 'y' WHERE id = 1;
UPDATE t SET a = 1, b = 2 WHERE id = 1;
