-- expect
DROP VIEW reporting.v;
-- expect
DROP TYPE mood;
-- expect
DROP SEQUENCE IF EXISTS counter;
DROP SEQUENCE IF EXISTS never_created;
CREATE FUNCTION helper() RETURNS int LANGUAGE sql AS $$ SELECT 1 $$;
DROP FUNCTION helper();
