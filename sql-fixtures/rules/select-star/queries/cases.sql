-- expect
SELECT n.* FROM notes n WHERE n.id = $1;

-- expect
SELECT * FROM notes UNION ALL SELECT * FROM notes;

-- Inside EXISTS or a CTE that the outer query narrows: fine.
SELECT id FROM notes WHERE EXISTS (SELECT * FROM notes n2 WHERE n2.id = notes.id);
WITH n AS (SELECT * FROM notes) SELECT id FROM n;
SELECT count(*) FROM notes;
INSERT INTO notes (id, body) VALUES ($1, $2) RETURNING *;
