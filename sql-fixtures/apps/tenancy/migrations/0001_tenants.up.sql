CREATE TABLE tenants (id bigint PRIMARY KEY, slug text NOT NULL UNIQUE, plan text NOT NULL DEFAULT 'free');
CREATE TABLE members (
  tenant_id bigint NOT NULL REFERENCES tenants (id),
  id bigint NOT NULL,
  email text NOT NULL,
  role text NOT NULL DEFAULT 'member',
  removed_at timestamptz,
  PRIMARY KEY (tenant_id, id)
);
CREATE UNIQUE INDEX members_live_email_key ON members (tenant_id, lower(email)) WHERE removed_at IS NULL;
