-- +goose Up
CREATE TABLE tenants (
  id bigint PRIMARY KEY,
  name text NOT NULL
);

CREATE TABLE queues (
  tenant_id bigint NOT NULL REFERENCES tenants (id),
  name text NOT NULL,
  paused boolean NOT NULL DEFAULT false,
  PRIMARY KEY (tenant_id, name)
);

CREATE TABLE tasks (
  tenant_id bigint NOT NULL,
  id bigint NOT NULL,
  inserted_at timestamptz NOT NULL DEFAULT now(),
  queue text NOT NULL,
  kind text NOT NULL,
  status text NOT NULL DEFAULT 'queued',
  retry_count integer NOT NULL DEFAULT 0,
  run_after timestamptz,
  payload jsonb NOT NULL DEFAULT '{}',
  PRIMARY KEY (tenant_id, id, inserted_at),
  FOREIGN KEY (tenant_id, queue) REFERENCES queues (tenant_id, name)
);

CREATE TABLE task_events (
  tenant_id bigint NOT NULL,
  id bigint GENERATED ALWAYS AS IDENTITY,
  task_id bigint NOT NULL,
  task_inserted_at timestamptz NOT NULL,
  kind text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (tenant_id, id),
  FOREIGN KEY (tenant_id, task_id, task_inserted_at) REFERENCES tasks (tenant_id, id, inserted_at)
);

CREATE TABLE workers (
  tenant_id bigint NOT NULL REFERENCES tenants (id),
  id uuid NOT NULL,
  last_seen_at timestamptz NOT NULL,
  PRIMARY KEY (tenant_id, id)
);

-- +goose Down
DROP TABLE workers;
DROP TABLE task_events;
DROP TABLE tasks;
DROP TABLE queues;
DROP TABLE tenants;
