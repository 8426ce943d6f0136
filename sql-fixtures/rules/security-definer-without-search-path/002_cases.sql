-- expect
CREATE FUNCTION app_admin_count() RETURNS bigint LANGUAGE sql SECURITY DEFINER AS $$ SELECT 1::bigint $$;
CREATE FUNCTION app_safe_count() RETURNS bigint LANGUAGE sql SECURITY DEFINER SET search_path = pg_catalog AS $$ SELECT 1::bigint $$;
CREATE FUNCTION app_invoker_count() RETURNS bigint LANGUAGE sql AS $$ SELECT 1::bigint $$;
