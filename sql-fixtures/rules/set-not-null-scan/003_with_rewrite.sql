CREATE TABLE counters (id bigint PRIMARY KEY, hits int, label varchar(20), note text);
