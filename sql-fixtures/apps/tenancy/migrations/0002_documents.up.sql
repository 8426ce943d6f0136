CREATE TABLE documents (
  tenant_id bigint NOT NULL,
  id bigint NOT NULL,
  owner_id bigint NOT NULL,
  title text NOT NULL,
  body text,
  updated_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (tenant_id, id),
  FOREIGN KEY (tenant_id, owner_id) REFERENCES members (tenant_id, id)
);
CREATE INDEX documents_tenant_updated_idx ON documents (tenant_id, updated_at);
CREATE VIEW recent_documents AS
  SELECT d.tenant_id, d.id, d.title, m.email AS owner_email
  FROM documents d JOIN members m ON m.tenant_id = d.tenant_id AND m.id = d.owner_id;
