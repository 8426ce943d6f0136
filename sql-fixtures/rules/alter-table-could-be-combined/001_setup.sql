CREATE TABLE items (id bigint PRIMARY KEY, a text, b text);
