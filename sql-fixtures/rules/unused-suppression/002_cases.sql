CREATE TABLE a (id bigint PRIMARY KEY, b text);
-- expect
-- pgproof: ignore drop-column -- nothing is dropped below
CREATE INDEX a_b_idx ON a (b);
-- pgproof: ignore table-without-primary-key -- append-only log
CREATE TABLE log (line text);
