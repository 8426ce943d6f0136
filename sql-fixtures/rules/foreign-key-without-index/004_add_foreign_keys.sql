-- A foreign key added to an existing table is reported at the statement that adds it, not at the
-- table's `CREATE` (so linting only the new migration shows it).
-- expect
ALTER TABLE emails ADD COLUMN author_id bigint REFERENCES authors (id);
ALTER TABLE phones ADD COLUMN author_id bigint;
-- expect
ALTER TABLE phones ADD FOREIGN KEY (author_id) REFERENCES authors (id);
