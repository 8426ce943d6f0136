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
-- A function the migrations never define (from an extension or a schema pgproof was not given):
-- its volatility is unknown, which is reported as such.
-- expect
ALTER TABLE docs ADD COLUMN ref text DEFAULT external_code();
-- Built-ins pgproof knows to be stable or immutable stay silent.
ALTER TABLE docs ADD COLUMN day date DEFAULT date_trunc('day', now());
ALTER TABLE docs ADD COLUMN label text DEFAULT lower('X');
ALTER TABLE docs ADD COLUMN utc timestamp DEFAULT (now() AT TIME ZONE 'utc');
