CREATE MATERIALIZED VIEW mood_counts AS SELECT name, count(*) AS n FROM moods GROUP BY name;
CREATE UNIQUE INDEX mood_counts_name_idx ON mood_counts (name);
