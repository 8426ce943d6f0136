-- The function is replaced in the same migration: it uses the new name when the migration ends.
ALTER TABLE account RENAME COLUMN email TO email_address;
CREATE FUNCTION account_email(p_id bigint) RETURNS text LANGUAGE sql STABLE AS $$
  SELECT email_address FROM account WHERE id = p_id
$$;
ALTER TABLE account RENAME COLUMN email_address TO contact_email;
CREATE OR REPLACE FUNCTION account_email(p_id bigint) RETURNS text LANGUAGE sql STABLE AS $$
  SELECT contact_email FROM account WHERE id = p_id
$$;
