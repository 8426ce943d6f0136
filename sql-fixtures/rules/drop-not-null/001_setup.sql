CREATE TABLE orders (id bigint PRIMARY KEY, address text NOT NULL, note text);
