CREATE TABLE rooms (id bigint PRIMARY KEY, during tstzrange);
