-- PostgreSQL rejects a foreign key between two different enum types ("cannot be implemented"),
-- so the table is never created and nothing depends on its column's type.
CREATE TYPE hue AS ENUM ('red', 'blue');
CREATE TYPE feeling AS ENUM ('good', 'bad');
CREATE TABLE palette (id hue PRIMARY KEY);
-- rejected
CREATE TABLE feeling_ref (parent feeling REFERENCES palette);
DROP TYPE feeling;

-- The same enum on both sides is fine: the table exists, and its column blocks the drop.
CREATE TABLE hue_ref (parent hue REFERENCES palette);
-- expect
DROP TYPE hue;
