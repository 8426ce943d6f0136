CREATE TABLE big (id bigint PRIMARY KEY, blob bytea);
