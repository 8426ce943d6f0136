CREATE TABLE t (id bigint PRIMARY KEY, a int, b int, c text);
CREATE INDEX t_a_b_idx ON t (a, b);
CREATE UNIQUE INDEX t_c_key ON t (c);
