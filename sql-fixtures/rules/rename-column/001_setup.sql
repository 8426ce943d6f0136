CREATE TABLE "Users" (id bigint PRIMARY KEY, "Nick" text);
CREATE VIEW nicks AS SELECT "Nick" FROM "Users";
