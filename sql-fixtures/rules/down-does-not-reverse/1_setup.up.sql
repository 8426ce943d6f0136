CREATE TABLE "Users" (id bigint PRIMARY KEY, email varchar(100) NOT NULL DEFAULT '');
CREATE INDEX users_email_idx ON "Users" (email);
