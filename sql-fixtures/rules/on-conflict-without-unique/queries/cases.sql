INSERT INTO tags (id, name, tenant) VALUES ($1, $2, $3) ON CONFLICT (id) DO NOTHING;
INSERT INTO tags (id, name, tenant) VALUES ($1, $2, $3) ON CONFLICT ON CONSTRAINT tags_tenant_name_key DO NOTHING;
INSERT INTO tags (id, name, tenant) VALUES ($1, $2, $3) ON CONFLICT (tenant, lower(name)) WHERE NOT deleted DO NOTHING;
INSERT INTO tags (id, name, tenant) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING;

-- expect
INSERT INTO tags (id, name, tenant) VALUES ($1, $2, $3) ON CONFLICT (name) DO NOTHING;

-- expect
INSERT INTO tags (id, name, tenant) VALUES ($1, $2, $3) ON CONFLICT ON CONSTRAINT tags_name_key DO NOTHING;

-- The partial unique index needs its predicate repeated.
-- expect
INSERT INTO tags (id, name, tenant) VALUES ($1, $2, $3) ON CONFLICT (tenant, lower(name)) DO NOTHING;
