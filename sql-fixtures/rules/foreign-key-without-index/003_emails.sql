CREATE TABLE emails (id bigint PRIMARY KEY);
CREATE TABLE phones (id bigint PRIMARY KEY);
