-- +goose Up
-- goose runs this file in one transaction: LOCK TABLE needs it.
LOCK TABLE tasks IN SHARE MODE;
CREATE INDEX tasks_queue_status_idx ON tasks (tenant_id, queue, status);
CREATE INDEX task_events_task_idx ON task_events (tenant_id, task_id, task_inserted_at);
ALTER TABLE workers ADD COLUMN hostname text, ADD COLUMN retired_at timestamptz;

-- +goose Down
ALTER TABLE workers DROP COLUMN hostname, DROP COLUMN retired_at;
DROP INDEX task_events_task_idx;
DROP INDEX tasks_queue_status_idx;
