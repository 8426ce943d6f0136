CREATE TABLE posts (id bigint PRIMARY KEY, published_at timestamptz NOT NULL);
