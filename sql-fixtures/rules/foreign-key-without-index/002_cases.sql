-- expect
CREATE TABLE books (id bigint PRIMARY KEY, author_id bigint REFERENCES authors (id));
-- An index created later in the same migration counts.
CREATE TABLE essays (id bigint PRIMARY KEY, author_id bigint REFERENCES authors (id));
CREATE INDEX essays_author_id_idx ON essays (author_id);
-- A composite index that leads with the column counts too.
CREATE TABLE poems (id bigint PRIMARY KEY, author_id bigint REFERENCES authors (id), title text);
CREATE INDEX poems_author_title_idx ON poems (author_id, title);
-- A partitioned table's foreign key is reported once, on the parent, not on each partition's copy.
-- expect
CREATE TABLE reviews (id bigint, at date, author_id bigint REFERENCES authors (id), PRIMARY KEY (id, at)) PARTITION BY RANGE (at);
CREATE TABLE reviews_2025 PARTITION OF reviews FOR VALUES FROM ('2025-01-01') TO ('2026-01-01');
CREATE TABLE reviews_2026 (id bigint NOT NULL, at date NOT NULL, author_id bigint);
ALTER TABLE reviews ATTACH PARTITION reviews_2026 FOR VALUES FROM ('2026-01-01') TO ('2027-01-01');
