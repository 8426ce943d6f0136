CREATE TABLE t (id bigint PRIMARY KEY, a int, tags text[], b int);
