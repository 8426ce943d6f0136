-- expect
CREATE TABLE a (id integer PRIMARY KEY);
-- expect
CREATE TABLE b (id smallserial, PRIMARY KEY (id));
CREATE TABLE c (id bigint PRIMARY KEY);
CREATE TABLE d (x int, y int, PRIMARY KEY (x, y));
CREATE TABLE e (code text PRIMARY KEY);
