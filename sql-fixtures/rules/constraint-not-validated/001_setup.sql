CREATE TABLE a (id bigint PRIMARY KEY, n int);
CREATE TABLE b (id bigint PRIMARY KEY, a_id bigint);
