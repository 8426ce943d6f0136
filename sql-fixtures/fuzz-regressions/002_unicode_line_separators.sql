CREATE TABLE t (id int);
-- a note still the note
CREATE INDEX i ON t (id); 
