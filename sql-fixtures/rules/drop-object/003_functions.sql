CREATE FUNCTION price_with_tax(amount numeric) RETURNS numeric LANGUAGE sql AS $$ SELECT amount * 1.2 $$;
CREATE FUNCTION touch_updated_at() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN NEW.id := NEW.id; RETURN NEW; END $$;
