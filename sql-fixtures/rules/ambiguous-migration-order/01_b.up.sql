-- expect-file
CREATE TABLE b (id bigint PRIMARY KEY);
