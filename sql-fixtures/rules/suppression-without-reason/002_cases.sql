-- expect
-- pgproof: ignore table-without-primary-key
CREATE TABLE log (line text);
-- pgproof: ignore table-without-primary-key -- append-only
CREATE TABLE log2 (line text);
