CREATE SCHEMA shop;
CREATE TABLE shop."Items" (id integer PRIMARY KEY, "Name" varchar(40), price numeric(8,2), code char(4), created timestamp);
