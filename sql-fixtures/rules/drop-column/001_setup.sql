CREATE TABLE "People" (id bigint PRIMARY KEY, "FullName" text, age int);
