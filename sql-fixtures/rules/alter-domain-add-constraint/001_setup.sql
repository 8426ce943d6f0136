CREATE DOMAIN positive_int AS integer;
CREATE DOMAIN unused_text AS text;
CREATE TABLE stock (id bigint PRIMARY KEY, qty positive_int);
