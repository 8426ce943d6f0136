CREATE INDEX posts_author_idx ON posts (author_id);
