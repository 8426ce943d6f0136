-- account_name (create_functions.sql) reads `name`, but the order of the files is a guess:
-- change-breaks-function-body counts only the functions of this file.
ALTER TABLE account DROP COLUMN name;

-- A function of this same file reads `touched`: a warning whatever the order.
CREATE FUNCTION account_touched(p_id bigint) RETURNS timestamptz LANGUAGE sql STABLE AS $$
  SELECT touched FROM account WHERE id = p_id
$$;
ALTER TABLE account DROP COLUMN touched;
