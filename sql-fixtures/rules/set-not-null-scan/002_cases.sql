-- expect
ALTER TABLE "Users" ALTER COLUMN "Email" SET NOT NULL;
-- A validated CHECK (name IS NOT NULL) lets PostgreSQL 12+ skip the scan.
ALTER TABLE "Users" ALTER COLUMN name SET NOT NULL;
-- A CHECK that was never validated does not.
-- expect
ALTER TABLE "Users" ALTER COLUMN phone SET NOT NULL;
-- Already NOT NULL after the first statement: a no-op.
ALTER TABLE IF EXISTS "Users" ALTER COLUMN "Email" SET NOT NULL;
