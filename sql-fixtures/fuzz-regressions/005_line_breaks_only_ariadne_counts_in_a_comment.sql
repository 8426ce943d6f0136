CREATE TABLE t (id int);
-- a bcd
SELEC 1;
