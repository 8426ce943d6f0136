CREATE SCHEMA metrics;
CREATE TABLE metrics."Samples" (at date NOT NULL) PARTITION BY RANGE (at);
CREATE TABLE metrics.samples_2024 PARTITION OF metrics."Samples" FOR VALUES FROM ('2024-01-01') TO ('2025-01-01');
CREATE TABLE metrics.samples_2025 PARTITION OF metrics."Samples" FOR VALUES FROM ('2025-01-01') TO ('2026-01-01');
