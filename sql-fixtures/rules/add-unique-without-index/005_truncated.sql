CREATE TABLE visits (id bigint PRIMARY KEY, page text NOT NULL, day date NOT NULL);
CREATE TABLE clicks (id bigint PRIMARY KEY, target text NOT NULL);
