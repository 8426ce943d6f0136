ALTER TABLE "Users" ADD COLUMN nickname text;
