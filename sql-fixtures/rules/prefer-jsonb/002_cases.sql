-- expect
CREATE TABLE hooks (id bigint PRIMARY KEY, body json);
CREATE TABLE hooks2 (id bigint PRIMARY KEY, body jsonb, bodies jsonb[]);
-- expect
ALTER TABLE hooks2 ADD COLUMN raw json;
