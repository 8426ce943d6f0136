-- expect
ALTER TABLE "Accounts" ADD CONSTRAINT "Accounts_Slug_key" UNIQUE ("Slug");
CREATE UNIQUE INDEX CONCURRENTLY accounts_email_key ON "Accounts" (email);
ALTER TABLE "Accounts" ADD CONSTRAINT accounts_email_key UNIQUE USING INDEX accounts_email_key;
CREATE TABLE tags (name text NOT NULL);
ALTER TABLE tags ADD PRIMARY KEY (name);
