-- +goose Up
-- pgproof: ignore create-index-non-concurrently -- events holds a few hundred rows
CREATE INDEX events_kind_idx ON events (kind);
-- pgproof: ignore drop-column
ALTER TABLE events DROP COLUMN payload;
-- pgproof: ignore rename-column -- nothing to rename here
CREATE INDEX CONCURRENTLY events_id_kind_idx ON events (id, kind);
-- pgproof: ignore no-such-rule -- typo
SELECT 1;

-- +goose Down
ALTER TABLE events ADD COLUMN payload jsonb;
