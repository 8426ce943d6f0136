CREATE TABLE "Users" ("Email" text, name text, phone text);
ALTER TABLE "Users" ADD CONSTRAINT users_name_not_null CHECK (name IS NOT NULL) NOT VALID;
ALTER TABLE "Users" VALIDATE CONSTRAINT users_name_not_null;
ALTER TABLE "Users" ADD CONSTRAINT users_phone_not_null CHECK (phone IS NOT NULL) NOT VALID;
