ALTER TABLE "Users" RENAME COLUMN handle TO nickname;
ALTER TABLE "Users" ADD COLUMN "Email" varchar(255);
