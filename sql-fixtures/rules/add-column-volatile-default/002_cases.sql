-- expect
ALTER TABLE docs ADD COLUMN token uuid DEFAULT gen_random_uuid();
-- A user function not declared STABLE or IMMUTABLE counts as volatile.
-- expect
ALTER TABLE docs ADD COLUMN code text DEFAULT next_code();
ALTER TABLE docs ADD COLUMN code2 text DEFAULT fixed_code();
ALTER TABLE docs ADD COLUMN created_at timestamptz NOT NULL DEFAULT now();
-- expect
ALTER TABLE docs ADD COLUMN seq bigserial;
CREATE TABLE fresh (id bigint);
ALTER TABLE fresh ADD COLUMN token uuid DEFAULT gen_random_uuid();
