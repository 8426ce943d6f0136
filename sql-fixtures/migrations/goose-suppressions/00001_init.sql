-- +goose Up
-- +goose StatementBegin
CREATE TABLE events (id bigint PRIMARY KEY, kind text, payload jsonb);
CREATE FUNCTION touch() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RETURN NEW;
END;
$$;
-- +goose StatementEnd

-- +goose Down
DROP TABLE events;
