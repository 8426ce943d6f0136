-- Generated: the whole schema at the squash point (not read by the migrator).
CREATE TABLE users (id bigint PRIMARY KEY, email text NOT NULL);
