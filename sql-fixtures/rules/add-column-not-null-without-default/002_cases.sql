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
-- Emptied earlier in the same transaction: the statement succeeds; only the warning about the
-- previous release's inserts is left (severity tested in tests/fixtures.rs).
BEGIN;
TRUNCATE "Tickets";
-- expect
ALTER TABLE "Tickets" ADD COLUMN board_id bigint NOT NULL;
COMMIT;
-- Emptied, then a row inserted again: it fails.
BEGIN;
DELETE FROM "Tickets";
INSERT INTO "Tickets" ("Priority") VALUES (1);
-- expect
ALTER TABLE "Tickets" ADD COLUMN lane_id bigint NOT NULL;
COMMIT;
-- Emptied outside a transaction: the previous release may insert before the ALTER.
DELETE FROM "Tickets";
-- expect
ALTER TABLE "Tickets" ADD COLUMN queue_id bigint NOT NULL;
-- Emptied by DELETE in the transaction: it fails only if a writer inserts in between (warning).
BEGIN;
DELETE FROM "Tickets";
-- expect
ALTER TABLE "Tickets" ADD COLUMN desk_id bigint NOT NULL;
COMMIT;
-- Truncated, then rolled back to a savepoint taken before: the rows are back.
BEGIN;
SAVEPOINT before_truncate;
TRUNCATE "Tickets";
ROLLBACK TO SAVEPOINT before_truncate;
-- expect
ALTER TABLE "Tickets" ADD COLUMN shelf_id bigint NOT NULL;
COMMIT;
