-- expect
DROP TABLE IF EXISTS b CASCADE;
CREATE TABLE b (id bigint PRIMARY KEY, a_id bigint);
-- Once per migration, even though `b` is new by now and this locks `a`.
ALTER TABLE b ADD CONSTRAINT b_a_fkey FOREIGN KEY (a_id) REFERENCES a (id);
