-- Plain SQL, $n parameters, no names.

SELECT id, title FROM documents WHERE tenant_id = $1 ORDER BY updated_at DESC LIMIT 20;

-- The view's columns are checked against the view.
SELECT id, title, owner_email FROM recent_documents WHERE tenant_id = $1;

-- expect: query-references-missing-object
SELECT id, owner_name FROM recent_documents WHERE tenant_id = $1;

-- The tenant's documents by owner: the primary key leads with tenant_id, nothing with owner_id
-- after it, but the tenant_id condition is served.
SELECT id FROM documents WHERE tenant_id = $1 AND owner_id = $2;

-- expect: unindexed-query
SELECT id FROM documents WHERE owner_id = $1;

-- expect: leading-wildcard-like
SELECT id FROM documents WHERE tenant_id = $1 AND title LIKE '%' || $2;

-- expect: insert-omits-required-column
INSERT INTO documents (tenant_id, id, title) VALUES ($1, $2, $3);
