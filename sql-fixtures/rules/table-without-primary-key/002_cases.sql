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
-- A keyless partitioned table is reported once, on the parent; its partitions repeat nothing.
-- expect
CREATE TABLE readings (at date, value int) PARTITION BY RANGE (at);
CREATE TABLE readings_2025 PARTITION OF readings FOR VALUES FROM ('2025-01-01') TO ('2026-01-01');
CREATE TABLE readings_2026 (at date, value int);
ALTER TABLE readings ATTACH PARTITION readings_2026 FOR VALUES FROM ('2026-01-01') TO ('2027-01-01');
