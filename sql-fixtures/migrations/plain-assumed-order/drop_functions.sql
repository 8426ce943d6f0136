-- Blocked only if create_triggers.sql really ran before: a warning, the order is assumed.
DROP FUNCTION touch_account();

-- Blocked whatever the order of the files: the trigger is created in this same file.
CREATE FUNCTION audit_account() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RETURN NEW;
END;
$$;
CREATE TRIGGER account_audit AFTER UPDATE ON account
  FOR EACH ROW EXECUTE FUNCTION audit_account();
DROP FUNCTION audit_account();
