-- expect
CREATE INDEX t_a_idx ON t (a);
-- Not a leading prefix.
CREATE INDEX t_b_idx ON t (b);
-- Another method.
CREATE INDEX t_a_hash_idx ON t USING hash (a);
-- A unique index is a constraint, not only an access path.
CREATE UNIQUE INDEX t_a_key ON t (a);
-- expect
CREATE UNIQUE INDEX t_c_key2 ON t (c);
-- The primary key's index is never the one reported; this one is.
-- expect
CREATE INDEX t_id_idx ON t (id);
-- Another operator class serves other queries (LIKE 'x%').
CREATE INDEX t_c_pattern_idx ON t (c text_pattern_ops);
-- Descending order is still a prefix only of a descending index.
CREATE INDEX t_a_desc_idx ON t (a DESC);
-- A covering index answers `SELECT c ... WHERE id = $1` from the index alone: not the primary key.
CREATE INDEX t_id_covering_idx ON t (id) INCLUDE (c);
-- A key prefix whose included column the longer index holds as a key is covered.
-- expect
CREATE INDEX t_a_incl_b_idx ON t (a) INCLUDE (b);
-- A partition's copy of a redundant parent index is reported on the parent only.
CREATE TABLE p (id bigint, a int, b int, PRIMARY KEY (id, a)) PARTITION BY RANGE (a);
CREATE INDEX p_a_b_idx ON p (a, b);
-- expect
CREATE INDEX p_a_idx ON p (a);
CREATE TABLE p_1 PARTITION OF p FOR VALUES FROM (0) TO (10);
CREATE TABLE p_2 (id bigint NOT NULL, a int NOT NULL, b int);
ALTER TABLE p ATTACH PARTITION p_2 FOR VALUES FROM (10) TO (20);
-- Same keys, and every included column held by the wider one: only the narrower is redundant.
CREATE TABLE w (c1 int, c2 int, c3 int, c4 int);
CREATE INDEX w_wide_idx ON w (c1, c2) INCLUDE (c3, c4);
-- expect
CREATE INDEX w_a_narrow_idx ON w (c1, c2) INCLUDE (c3);
