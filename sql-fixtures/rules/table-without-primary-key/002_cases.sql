-- expect
CREATE TABLE events (at timestamptz, kind text);
CREATE TABLE tags (name text PRIMARY KEY);
-- A primary key added later in the history counts.
CREATE TABLE logs (id bigint NOT NULL, line text);
ALTER TABLE logs ADD PRIMARY KEY (id);
-- Partitions inherit the parent's key.
CREATE TABLE m (id bigint, at date, PRIMARY KEY (id, at)) PARTITION BY RANGE (at);
CREATE TABLE m_2025 PARTITION OF m FOR VALUES FROM ('2025-01-01') TO ('2026-01-01');
CREATE TEMPORARY TABLE scratch (x int);
