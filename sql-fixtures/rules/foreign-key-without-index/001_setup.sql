CREATE TABLE authors (id bigint PRIMARY KEY);
