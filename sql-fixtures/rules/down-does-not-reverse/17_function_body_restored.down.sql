-- The body from before, laid out differently.
CREATE OR REPLACE FUNCTION mood_label(m text) RETURNS text LANGUAGE sql IMMUTABLE AS $$
    SELECT lower(m)
$$;
