CREATE TABLE audit_log (
  id bigserial PRIMARY KEY,
  actor text NOT NULL,
  action text NOT NULL,
  at timestamptz NOT NULL DEFAULT now(),
  total numeric GENERATED ALWAYS AS (1) STORED,
  note text
);
