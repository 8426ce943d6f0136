-- aiosql style: `^` returns one row, `:name` parameters.

-- The partial unique expression index: one row, indexed.
-- name: member_by_email^
SELECT id, role FROM members
WHERE tenant_id = :tenant AND lower(email) = lower(:email) AND removed_at IS NULL;

-- Without the partial index's condition the index does not apply, nor does its uniqueness.
-- name: any_member_by_email^
-- expect: single-row-lookup-without-unique
SELECT id FROM members WHERE tenant_id = :tenant AND lower(email) = lower(:email);

-- The upsert names the partial unique index's columns and predicate.
-- name: invite<!
INSERT INTO members (tenant_id, id, email) VALUES (:tenant, :id, :email)
ON CONFLICT (tenant_id, lower(email)) WHERE removed_at IS NULL DO UPDATE SET role = excluded.role;

-- name: invite_again<!
-- expect: on-conflict-without-unique
INSERT INTO members (tenant_id, id, email) VALUES (:tenant, :id, :email)
ON CONFLICT (tenant_id, email) DO NOTHING;

-- name: members_by_role
-- expect: unindexed-query
SELECT m.id FROM members m WHERE m.role = :role AND m.removed_at IS NULL;

-- A CTE and a correlated subquery over the primary key's leading column.
-- name: busy_members
WITH owners AS (SELECT DISTINCT owner_id, tenant_id FROM documents WHERE tenant_id = :tenant)
SELECT m.id, m.email FROM members m
WHERE m.tenant_id = :tenant
  AND EXISTS (SELECT 1 FROM owners o WHERE o.owner_id = m.id AND o.tenant_id = m.tenant_id);
