ALTER TABLE "Users" ADD COLUMN flag boolean;
