-- expect
ALTER TABLE "Tickets" ADD COLUMN "Priority" integer NOT NULL;
ALTER TABLE "Tickets" ADD COLUMN severity integer NOT NULL DEFAULT 3;
ALTER TABLE "Tickets" ADD COLUMN seq bigint GENERATED ALWAYS AS IDENTITY;
ALTER TABLE "Tickets" ADD COLUMN IF NOT EXISTS note text;
-- DEFAULT NULL is no default at all.
-- expect
ALTER TABLE "Tickets" ADD COLUMN owner_id bigint NOT NULL DEFAULT NULL;
CREATE TABLE fresh (id bigint PRIMARY KEY);
ALTER TABLE fresh ADD COLUMN must integer NOT NULL;
