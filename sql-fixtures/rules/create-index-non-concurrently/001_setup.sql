CREATE SCHEMA billing;
CREATE TABLE "Orders" (id bigint PRIMARY KEY, "CustomerId" bigint);
CREATE TABLE billing.invoices (id bigint PRIMARY KEY, total numeric);
CREATE TABLE events (at timestamptz NOT NULL, kind text) PARTITION BY RANGE (at);
CREATE TABLE audit_log (id bigint PRIMARY KEY, actor text, at timestamptz);
