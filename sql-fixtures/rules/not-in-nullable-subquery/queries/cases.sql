-- expect
SELECT id FROM people WHERE id NOT IN (SELECT manager_id FROM people);

-- A primary key, and a column with a validated NOT NULL check.
SELECT id FROM people WHERE team_id NOT IN (SELECT id FROM teams);
SELECT id FROM people WHERE id NOT IN (SELECT lead_id FROM teams);

-- IN (not NOT IN) is fine.
SELECT id FROM people WHERE team_id IN (SELECT id FROM teams);

-- expect
DELETE FROM teams WHERE id NOT IN (SELECT p.team_id FROM people p);
