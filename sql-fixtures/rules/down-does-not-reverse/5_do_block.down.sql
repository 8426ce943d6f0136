-- A DO block cannot be replayed: no verdict.
DO $$ BEGIN EXECUTE 'ALTER TABLE "Users" DROP COLUMN flag'; END $$;
