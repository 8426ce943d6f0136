-- A row comparison over the whole primary key: one lookup the key serves.
-- name: GetTask :one
SELECT id, kind, status, retry_count FROM tasks
WHERE (tenant_id, id, inserted_at) = (@tenant_id, @id, @inserted_at);

-- The events of one task, joined on the three-column foreign key, which an index serves.
-- name: TaskEvents :many
SELECT e.kind, e.created_at
FROM tasks t
JOIN task_events e ON (e.tenant_id, e.task_id, e.task_inserted_at) = (t.tenant_id, t.id, t.inserted_at)
WHERE t.tenant_id = @tenant_id AND t.id = @id;

-- The tasks of a tenant's recent events: each looked up by the composite primary key.
-- name: RecentEventTasks :many
SELECT t.id, t.retry_count
FROM task_events e
JOIN tasks t ON (t.tenant_id, t.id, t.inserted_at) = (e.tenant_id, e.task_id, e.task_inserted_at)
WHERE e.tenant_id = @tenant_id AND e.kind = @kind;

-- Claiming: the UPDATE is served by tasks_queue_status_idx; the INSERT reads the CTE.
-- name: ClaimTasks :many
WITH claimed AS (
  UPDATE tasks SET status = 'running', retry_count = retry_count + 1
  WHERE tenant_id = @tenant_id AND queue = @queue AND status = 'queued'
  RETURNING tenant_id, id, inserted_at
)
INSERT INTO task_events (tenant_id, task_id, task_inserted_at, kind)
SELECT tenant_id, id, inserted_at, 'claimed' FROM claimed
RETURNING task_id;

-- Queues with nothing queued: the correlated NOT EXISTS is looked up by tasks_queue_status_idx.
-- name: IdleQueues :many
SELECT q.name FROM queues q
WHERE q.tenant_id = @tenant_id
  AND NOT EXISTS (
    SELECT 1 FROM tasks t
    WHERE t.tenant_id = q.tenant_id AND t.queue = q.name AND t.status = 'queued'
  );

-- Cancelling: the row IN is served by the primary key; the subquery's filter on `kind` is not.
-- expect: unindexed-query
-- name: CancelRequested :exec
UPDATE tasks SET status = 'cancelled'
WHERE (tenant_id, id, inserted_at) IN (
  SELECT tenant_id, task_id, task_inserted_at FROM task_events WHERE kind = 'cancel_requested'
);

-- expect: unindexed-query
-- name: TasksByKind :many
SELECT id FROM tasks WHERE kind = @kind AND status = 'queued';

-- An expression index over jsonb is valid SQL.
-- expect: unindexed-query
-- name: TasksInBatch :many
SELECT id FROM tasks WHERE payload ->> 'batch' = @batch;

-- `date_trunc` over timestamptz is STABLE: no index can hold it, so nothing is suggested.
-- name: TasksDueOn :many
SELECT id FROM tasks WHERE date_trunc('day', run_after) = @day;

-- expect: query-references-missing-object
-- name: TasksByPriority :many
SELECT id FROM tasks WHERE tenant_id = @tenant_id AND priority = @priority;
