-- A USING that is the column itself, cast or not, converts as the types do: binary-coercible, silent.
ALTER TABLE notes ALTER COLUMN tag TYPE text USING tag::text;
-- Any other expression computes new values, even one without a function call.
-- expect
ALTER TABLE notes ALTER COLUMN body TYPE text USING coalesce(body, '');
