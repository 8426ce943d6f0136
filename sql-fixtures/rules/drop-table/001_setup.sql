CREATE SCHEMA legacy;
CREATE TABLE legacy."OldOrders" (id bigint PRIMARY KEY);
CREATE TABLE audit (id bigint PRIMARY KEY);
