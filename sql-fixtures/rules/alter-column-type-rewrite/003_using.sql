CREATE TABLE notes (id bigint PRIMARY KEY, body varchar(200), tag varchar(20));
