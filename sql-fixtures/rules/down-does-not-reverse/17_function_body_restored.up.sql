CREATE OR REPLACE FUNCTION mood_label(m text) RETURNS text LANGUAGE sql IMMUTABLE AS $$ SELECT initcap(m) $$;
