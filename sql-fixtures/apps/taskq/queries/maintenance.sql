-- Utility statements in a query file: not queries to prepare.
ANALYZE tasks;

VACUUM (ANALYZE) task_events;
