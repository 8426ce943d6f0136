CREATE TABLE t (id bigint PRIMARY KEY, legacy text, bio varchar(500));
