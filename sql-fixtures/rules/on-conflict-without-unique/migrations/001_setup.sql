CREATE TABLE tags (id bigint PRIMARY KEY, name text NOT NULL, tenant bigint NOT NULL, deleted boolean NOT NULL DEFAULT false);
ALTER TABLE tags ADD CONSTRAINT tags_tenant_name_key UNIQUE (tenant, name);
CREATE UNIQUE INDEX tags_lower_name_key ON tags (tenant, lower(name)) WHERE NOT deleted;
