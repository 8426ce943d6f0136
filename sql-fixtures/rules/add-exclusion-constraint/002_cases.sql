-- expect
ALTER TABLE ONLY rooms ADD CONSTRAINT rooms_no_overlap EXCLUDE USING gist (during WITH &&);
CREATE TABLE desks (id bigint PRIMARY KEY, during tstzrange);
ALTER TABLE desks ADD CONSTRAINT desks_no_overlap EXCLUDE USING gist (during WITH &&);
