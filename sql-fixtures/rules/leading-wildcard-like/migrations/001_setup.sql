CREATE EXTENSION IF NOT EXISTS pg_trgm;
CREATE TABLE docs (id bigint PRIMARY KEY, title text NOT NULL, body text NOT NULL, slug text NOT NULL);
CREATE INDEX docs_title_trgm_idx ON docs USING gin (title gin_trgm_ops);
