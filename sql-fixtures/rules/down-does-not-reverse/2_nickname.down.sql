ALTER TABLE "Users" DROP COLUMN nickname;
