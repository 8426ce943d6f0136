CREATE TABLE a (id bigint PRIMARY KEY);
-- expect
CREATE TABLE b (id bigint PRIMARY KEY,);
-- The rest of the file is still read.
CREATE TABLE c (id bigint PRIMARY KEY);
