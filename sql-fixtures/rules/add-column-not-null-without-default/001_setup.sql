CREATE TABLE "Tickets" (id bigint PRIMARY KEY);
