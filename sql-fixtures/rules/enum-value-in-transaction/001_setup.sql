CREATE TYPE mood AS ENUM ('sad', 'ok');
CREATE TABLE diary (id bigint PRIMARY KEY, mood mood);
