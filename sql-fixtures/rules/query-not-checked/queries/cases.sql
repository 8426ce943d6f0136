-- goyesql-style %name% placeholders.
-- expect
SELECT id FROM items WHERE id > $1 ORDER BY %order% LIMIT 10;

-- printf-style %s.
-- expect
SELECT id FROM items WHERE %s;

-- Mustache-style {{name}}.
-- expect
SELECT id FROM {{table}} WHERE id = $1;

-- The modulo operator and percent signs inside literals are no template.
SELECT id % 2 FROM items WHERE name LIKE '%abc%';

-- A plain syntax error with a literal that looks like a placeholder is a syntax error, not this.
SELEC id FROM items WHERE name LIKE '%order%';
