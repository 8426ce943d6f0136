CREATE SCHEMA crm;
CREATE TABLE crm."Leads" (id bigint PRIMARY KEY, status text);
