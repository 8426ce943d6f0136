-- The index goes with the materialised view.
DROP MATERIALIZED VIEW mood_counts;
