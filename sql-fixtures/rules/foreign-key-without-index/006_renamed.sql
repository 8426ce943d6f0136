-- A table renamed (or moved to another schema) later keeps its finding at the statement that
-- made it: the schema's finding is about the table under its new name.
-- expect
CREATE TABLE letters (id bigint PRIMARY KEY, author_id bigint REFERENCES authors (id));
ALTER TABLE letters RENAME TO notes;
ALTER TABLE notes RENAME COLUMN author_id TO writer_id;
