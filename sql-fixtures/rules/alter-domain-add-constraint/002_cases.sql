-- expect
ALTER DOMAIN positive_int ADD CONSTRAINT positive_int_check CHECK (VALUE > 0);
ALTER DOMAIN positive_int ADD CONSTRAINT positive_int_max CHECK (VALUE < 100000) NOT VALID;
ALTER DOMAIN positive_int VALIDATE CONSTRAINT positive_int_max;
-- expect
ALTER DOMAIN positive_int SET NOT NULL;
-- No table uses this domain yet.
ALTER DOMAIN unused_text ADD CONSTRAINT unused_text_check CHECK (VALUE <> '');
