-- expect
CREATE TABLE books (id bigint PRIMARY KEY, author_id bigint REFERENCES authors (id));
-- An index created later in the same migration counts.
CREATE TABLE essays (id bigint PRIMARY KEY, author_id bigint REFERENCES authors (id));
CREATE INDEX essays_author_id_idx ON essays (author_id);
-- A composite index that leads with the column counts too.
CREATE TABLE poems (id bigint PRIMARY KEY, author_id bigint REFERENCES authors (id), title text);
CREATE INDEX poems_author_title_idx ON poems (author_id, title);
