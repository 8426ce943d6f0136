CREATE FUNCTION mood_label(m text) RETURNS text LANGUAGE sql IMMUTABLE AS $$ SELECT upper(m) $$;
