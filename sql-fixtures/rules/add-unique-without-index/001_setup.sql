CREATE TABLE "Accounts" (id bigint PRIMARY KEY, "Slug" text NOT NULL, email text NOT NULL);
