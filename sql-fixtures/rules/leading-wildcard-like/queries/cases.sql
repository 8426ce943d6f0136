-- A trigram index serves any pattern.
SELECT id FROM docs WHERE title ILIKE '%' || $1 || '%';
SELECT id FROM docs WHERE slug LIKE 'guides/%';

-- expect
SELECT id FROM docs WHERE body LIKE '%' || $1;

-- expect
SELECT id FROM docs WHERE slug ILIKE '_uide%';

-- A parameter pattern: unknown, not judged.
SELECT id FROM docs WHERE slug LIKE $1;
