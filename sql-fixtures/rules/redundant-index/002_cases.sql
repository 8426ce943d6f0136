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
