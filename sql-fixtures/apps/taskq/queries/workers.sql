-- Two suggestions on the same column, one partial: two indexes with two names.
-- expect: unindexed-query
-- name: WorkersByHost :many
SELECT tenant_id, id FROM workers WHERE hostname = @hostname;

-- expect: unindexed-query
-- name: LiveWorkersByHost :many
SELECT tenant_id, id FROM workers WHERE hostname = @hostname AND retired_at IS NULL;

-- name: TouchWorker :exec
UPDATE workers SET last_seen_at = now() WHERE (tenant_id, id) = (@tenant_id, @id);
