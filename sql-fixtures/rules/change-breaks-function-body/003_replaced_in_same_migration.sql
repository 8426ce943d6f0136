-- The function is replaced in the same migration: it uses the new name when the migration ends.
ALTER TABLE account RENAME COLUMN email TO email_address;
CREATE FUNCTION account_email(p_id bigint) RETURNS text LANGUAGE sql STABLE AS $$
  SELECT email_address FROM account WHERE id = p_id
$$;
ALTER TABLE account RENAME COLUMN email_address TO contact_email;
CREATE OR REPLACE FUNCTION account_email(p_id bigint) RETURNS text LANGUAGE sql STABLE AS $$
  SELECT contact_email FROM account WHERE id = p_id
$$;

-- Dropped and created again later in the migration: the function works when it ends.
CREATE TABLE staging (id integer, label text);
CREATE FUNCTION staging_count() RETURNS bigint LANGUAGE sql AS $$ SELECT count(*) FROM staging $$;
DROP TABLE staging;
CREATE TABLE staging (id integer, label text);

-- A function created after the drop was written against the changed schema: not this drop's doing.
CREATE TABLE outbox (id integer);
DROP TABLE outbox;
CREATE FUNCTION outbox_count() RETURNS bigint LANGUAGE plpgsql AS $$
BEGIN
  RETURN (SELECT count(*) FROM outbox);
END;
$$;
