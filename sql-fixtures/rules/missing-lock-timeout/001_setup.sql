CREATE TABLE a (id bigint PRIMARY KEY, x text);
CREATE TABLE b (id bigint PRIMARY KEY, y text);
