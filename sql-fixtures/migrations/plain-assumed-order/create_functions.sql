-- Admin scripts without version prefixes: pgproof replays them in name order, a guess.
CREATE TABLE account (id bigint PRIMARY KEY, name text NOT NULL, touched timestamptz);

CREATE FUNCTION touch_account() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  NEW.touched := now();
  RETURN NEW;
END;
$$;

CREATE FUNCTION account_name(p_id bigint) RETURNS text LANGUAGE sql STABLE AS $$
  SELECT name FROM account WHERE id = p_id
$$;
