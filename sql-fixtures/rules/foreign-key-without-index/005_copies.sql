-- `LIKE ... INCLUDING INDEXES` copies the indexes, so the foreign key added to the copy has one.
CREATE TABLE essays_archive (LIKE essays INCLUDING INDEXES);
ALTER TABLE essays_archive ADD CONSTRAINT essays_archive_author_fk FOREIGN KEY (author_id) REFERENCES authors (id);
-- Without it, the copy has no index.
CREATE TABLE essays_draft (LIKE essays);
-- expect
ALTER TABLE essays_draft ADD CONSTRAINT essays_draft_author_fk FOREIGN KEY (author_id) REFERENCES authors (id);
-- A copy of a table the replay does not know may have them too: no guess.
CREATE TABLE imported (LIKE staging.imports INCLUDING ALL);
ALTER TABLE imported ADD CONSTRAINT imported_author_fk FOREIGN KEY (author_id) REFERENCES authors (id);
