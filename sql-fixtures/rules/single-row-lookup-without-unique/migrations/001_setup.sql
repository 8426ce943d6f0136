CREATE TABLE api_keys (id bigint PRIMARY KEY, token_hash text NOT NULL, owner bigint NOT NULL, revoked_at timestamptz, label text);
CREATE UNIQUE INDEX api_keys_live_token_key ON api_keys (token_hash) WHERE revoked_at IS NULL;
CREATE UNIQUE INDEX api_keys_owner_label_key ON api_keys (owner, lower(label));
