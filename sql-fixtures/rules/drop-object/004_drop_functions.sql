-- App code may call it.
-- expect
DROP FUNCTION price_with_tax(numeric);
-- A trigger function: only triggers call it, and one still using it makes the drop fail.
DROP FUNCTION touch_updated_at();
